// Azure Container Registry for the relay image: admin user off, the relay pulls with its managed identity, azd builds the image in the registry.

@description('Name of the registry (5-50 letters and digits, globally unique).')
param name string

@description('Azure region of the registry.')
param location string

@description('Tags applied to the registry.')
param tags object = {}

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
@description('Registry SKU; Basic (10 GB included) holds a few relay images.')
param skuName string = 'Basic'

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

@description('Name of the registry.')
output name string = registry.name

@description('Login server, e.g. <name>.azurecr.io (AZURE_CONTAINER_REGISTRY_ENDPOINT for azd).')
output loginServer string = registry.properties.loginServer
