# By name
terraform import proton_service_template.example example-svc

# By name, in another region than the provider's (set the same `region` on the resource)
terraform import proton_service_template.example example-svc@eu-west-1

# By ARN
terraform import proton_service_template.example arn:aws:proton:us-east-1:123456789012:service-template/example-svc
