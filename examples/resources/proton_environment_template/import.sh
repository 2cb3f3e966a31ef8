# By name
terraform import proton_environment_template.example example-env

# By ARN
terraform import proton_environment_template.example arn:aws:proton:us-east-1:123456789012:environment-template/example-env
