# By name
terraform import proton_environment_template.example example-env

# By name, in another region than the provider's (set the same `region` on the resource)
terraform import proton_environment_template.example example-env@eu-west-1

# By ARN
terraform import proton_environment_template.example arn:aws:proton:us-east-1:123456789012:environment-template/example-env
