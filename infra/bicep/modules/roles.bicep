// Least-privilege Azure RBAC role assignments for the app identity, each scoped to the one resource it is needed on.
// (Cosmos DB's data role is in cosmos.bicep and the optional Azure OpenAI one in openai.bicep.)

@description('Principal (object) ID of the app identity.')
param principalId string

@description('Name of the storage account (blobs, queues, Functions host storage).')
param storageAccountName string

@description('Name of the Web PubSub resource.')
param webPubSubName string

@description('Name of the Speech resource.')
param speechName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the container registry holding the relay image.')
param registryName string

// Built-in role definition IDs (the same in every Azure cloud); tests/infra/test_bicep_consistency.py allow-lists them.
var roleIds = {
  // Read, write and delete blobs and create containers: recordings and reports, and the Functions host's own
  // containers (azure-webjobs-hosts, -secrets) and the Flex deployment package. Microsoft documents Storage Blob Data
  // Owner for host storage; Owner adds only ACL and ownership management, which nothing here uses.
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Send, peek, process and delete messages, and create queues: the app sends events, the queue triggers process them,
  // and the host creates and writes "<queue>-poison". Storage Queue Data Message Processor plus Sender would not
  // cover the host's CreateIfNotExists on the poison queue.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Publish to groups and issue client access tokens with Entra ID (the data plane's only full role besides Reader).
  webPubSubServiceOwner: '12cf5a90-567b-43ae-8102-96cf46c7d9b4'
  // Real-time STT and TTS with an Entra ID token; no management, no keys.
  cognitiveServicesSpeechUser: 'f2dc8367-1007-4938-bd23-fe263f013447'
  // Send telemetry to Application Insights with local auth off.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Read secret values: the Key Vault references of the Function App and the relay.
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Pull the relay image.
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: webPubSubName
}

resource speech 'Microsoft.CognitiveServices/accounts@2025-06-01' existing = {
  name: speechName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageBlobDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource webPubSubServiceOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(webPubSub.id, principalId, roleIds.webPubSubServiceOwner)
  scope: webPubSub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.webPubSubServiceOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource speechUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(speech.id, principalId, roleIds.cognitiveServicesSpeechUser)
  scope: speech
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.cognitiveServicesSpeechUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, principalId, roleIds.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrPull)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
