# By name
terraform import proton_service_template.example example-svc

# By ARN
terraform import proton_service_template.example arn:aws:proton:us-east-1:123456789012:service-template/example-svc
