# By TEMPLATE_NAME:MAJOR.MINOR
terraform import proton_service_template_version.example example-svc:1.0

# In another region than the provider's, append @REGION to the id (and set the same
# `region` on the resource), e.g. example-svc:1.0@eu-west-1

# By ARN
terraform import proton_service_template_version.example arn:aws:proton:us-east-1:123456789012:service-template/example-svc:1.0
