// Azure OpenAI (keys disabled) with the one model deployment the LLM evaluator calls, and Cognitive Services OpenAI User for the app identity.

@description('Name of the Azure OpenAI resource.')
param name string

@description('Azure region; the model, version and deployment SKU must be offered there.')
param location string

@description('Tags applied to the resource.')
param tags object = {}

@description('Private networking: public network access off; the apps reach this resource through its private endpoint (privateendpoints.bicep).')
param privateNetworking bool = false

@description('Custom subdomain (globally unique); Entra ID authentication requires one.')
param customSubDomainName string = name

@description('Model name, e.g. gpt-4o-mini.')
param modelName string

@description('Model version, e.g. 2024-07-18; check the model retirement dates for the region.')
param modelVersion string

@description('Deployment name (REHEARSE_AZURE_OPENAI_DEPLOYMENT).')
param deploymentName string = modelName

@allowed([
  'GlobalStandard'
  'DataZoneStandard'
  'Standard'
])
@description('Deployment type: GlobalStandard (lowest price, any Azure region processes the request), DataZoneStandard (stays in the US or EU data zone) or Standard (stays in this region).')
param deploymentSku string = 'GlobalStandard'

@minValue(1)
@description('Capacity in thousands of tokens per minute (quota). One evaluation is about 2,000 tokens.')
param capacity int = 30

@description('Principal (object) ID of the app identity that gets Cognitive Services OpenAI User on this resource.')
param principalId string

// Cognitive Services OpenAI User: call deployments (chat completions), no management, no keys.
var openAiUserRoleId = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'

resource account 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: customSubDomainName
    disableLocalAuth: true
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: deploymentName
  sku: {
    name: deploymentSku
    capacity: capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: modelName
      version: modelVersion
    }
    versionUpgradeOption: 'OnceNewDefaultVersionAvailable'
  }
}

// Here rather than in roles.bicep because this resource is optional (bring your own endpoint instead).
resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, openAiUserRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUserRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Endpoint (REHEARSE_AZURE_OPENAI_ENDPOINT).')
output endpoint string = account.properties.endpoint

@description('Deployment name (REHEARSE_AZURE_OPENAI_DEPLOYMENT).')
output deploymentName string = deployment.name

@description('Name of the resource.')
output name string = account.name

@description('Resource ID of the resource (its private endpoint).')
output id string = account.id
