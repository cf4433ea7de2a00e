// The one user-assigned managed identity the Function App and the relay use for every Azure service (no keys anywhere).

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource ID, for identity blocks and Key Vault references.')
output id string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Object (principal) ID, for role assignments.')
output principalId string = identity.properties.principalId

@description('Client ID: AZURE_CLIENT_ID and AzureWebJobsStorage__clientId select this identity.')
output clientId string = identity.properties.clientId
