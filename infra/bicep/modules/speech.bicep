// Azure AI Speech for the relay (streaming STT, the interviewer's TTS voice): custom subdomain so Entra ID tokens work, keys disabled.

@description('Name of the Speech resource.')
param name string

@description('Azure region; REHEARSE_SPEECH_REGION is this region.')
param location string

@description('Tags applied to the resource.')
param tags object = {}

@description('Private networking: public network access off; the apps reach this resource through its private endpoint (privateendpoints.bicep).')
param privateNetworking bool = false

@description('Custom subdomain (globally unique); Entra ID authentication to Speech requires one.')
param customSubDomainName string = name

@allowed([
  'F0'
  'S0'
])
@description('SKU: S0 (pay as you go) or F0 (free: 5 audio hours of STT and 0.5 million TTS characters a month, one concurrent request).')
param skuName string = 'S0'

resource speech 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SpeechServices'
  sku: {
    name: skuName
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

@description('Resource ID (REHEARSE_SPEECH_RESOURCE_ID: the SDK sends "aad#<resource id>#<token>" as its authorization token).')
output id string = speech.id

@description('Name of the resource (roles.bicep scopes Cognitive Services Speech User to it).')
output name string = speech.name

@description('Region (REHEARSE_SPEECH_REGION).')
output region string = speech.location

@description('The resource\'s own endpoint, https://<custom subdomain>.cognitiveservices.azure.com/ (REHEARSE_SPEECH_ENDPOINT with private networking, where the region\'s hosts do not lead to it).')
output endpoint string = speech.properties.endpoint
