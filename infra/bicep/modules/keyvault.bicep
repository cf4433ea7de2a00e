// Key Vault in RBAC mode holding the session-token signing secret, the TURN shared secret (and an optional OpenAI-compatible API key); apps read them through Key Vault references.

@description('Name of the vault (3-24 letters, digits and hyphens, globally unique).')
param name string

@description('Azure region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags object = {}

@description('Private networking: public network access off; the apps reach this resource through its private endpoint (privateendpoints.bicep).')
param privateNetworking bool = false

@secure()
@minLength(32)
@description('HS256 secret that signs session tokens (REHEARSE_TOKEN_SECRET); shared by the Function App and the relay.')
param tokenSecret string

@secure()
@minLength(32)
@description('Shared secret of the TURN server (REHEARSE_TURN_SECRET); the Function App and the relay mint TURN credentials from it.')
param turnSecret string

@secure()
@description('API key of an OpenAI-compatible endpoint (REHEARSE_OPENAI_API_KEY), stored only when given.')
param openAiApiKey string = ''

@minValue(7)
@maxValue(90)
@description('Days a deleted vault or secret stays recoverable.')
param softDeleteRetentionInDays int = 7

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource tokenSecretEntry 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'token-secret'
  properties: {
    value: tokenSecret
    contentType: 'HS256 signing secret for Rehearse session tokens'
  }
}

resource turnSecretEntry 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'turn-secret'
  properties: {
    value: turnSecret
    contentType: 'Shared secret of the Rehearse TURN server'
  }
}

resource openAiApiKeyEntry 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(openAiApiKey)) {
  parent: vault
  name: 'openai-api-key'
  properties: {
    value: openAiApiKey
    contentType: 'API key of the OpenAI-compatible endpoint'
  }
}

@description('Name of the vault.')
output name string = vault.name

@description('Versionless URI of the token secret (Container Apps Key Vault secret reference).')
output tokenSecretUri string = '${vault.properties.vaultUri}secrets/${tokenSecretEntry.name}'

@description('Versionless URI of the TURN secret (Container Apps Key Vault secret reference).')
output turnSecretUri string = '${vault.properties.vaultUri}secrets/${turnSecretEntry.name}'

@description('Name of the TURN secret.')
output turnSecretName string = turnSecretEntry.name

@description('Name of the token secret.')
output tokenSecretName string = tokenSecretEntry.name

@description('Name of the OpenAI API key secret, or empty when none was given.')
output openAiApiKeySecretName string = empty(openAiApiKey) ? '' : 'openai-api-key'

@description('Resource ID of the vault (its private endpoint).')
output id string = vault.id
