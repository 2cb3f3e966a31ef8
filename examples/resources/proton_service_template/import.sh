# By name
terraform import proton_service_template.example example-svc

# In another region than the provider's, append @REGION to the id (and set the same
# `region` on the resource), e.g. example-svc@eu-west-1

# By ARN
terraform import proton_service_template.example arn:aws:proton:us-east-1:123456789012:service-template/example-svc
