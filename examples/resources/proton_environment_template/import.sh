# By name
terraform import proton_environment_template.example example-env

# In another region than the provider's, append @REGION to the id (and set the same
# `region` on the resource), e.g. example-env@eu-west-1

# By ARN
terraform import proton_environment_template.example arn:aws:proton:us-east-1:123456789012:environment-template/example-env
