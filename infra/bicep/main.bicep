// Rehearse on Azure: a resource group with the Function App (API and feedback functions), the always-on media relay, and the data, speech, messaging and LLM services they use through one managed identity.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd environment name): names the resource group rg-<name> and seeds unique resource names.')
param environmentName string

@minLength(1)
@description('Azure region of every resource, and so where data is stored and audio is processed (docs/deploy.md, "Region and data residency", with openAiDeploymentSku); Flex Consumption, Container Apps, Speech and the chosen OpenAI model must all be offered there.')
param location string

@description('Azure OpenAI model the LLM evaluator uses (deployed here unless you bring your own endpoint).')
param openAiModel string = 'gpt-4o-mini'

@description('Version of that model; check its retirement date in your region.')
param openAiModelVersion string = '2024-07-18'

@minValue(1)
@description('Capacity of the model deployment in thousands of tokens per minute (needs that much quota in the region).')
param openAiCapacity int = 30

@allowed([
  'GlobalStandard'
  'DataZoneStandard'
  'Standard'
])
@description('Deployment type of the model, the other half of the data-residency choice with location: GlobalStandard (any Azure region may process a request), DataZoneStandard (data stays in the US or EU zone) or Standard (stays in the region).')
param openAiDeploymentSku string = 'GlobalStandard'

@description('Azure OpenAI API version the evaluator calls (REHEARSE_AZURE_OPENAI_API_VERSION).')
param openAiApiVersion string = '2024-10-21'

@description('Bring your own Azure OpenAI: its endpoint (https://<name>.openai.azure.com/); no OpenAI resource is created. Grant the app identity Cognitive Services OpenAI User on it yourself.')
param existingOpenAiEndpoint string = ''

@description('Deployment name at that endpoint.')
param existingOpenAiDeployment string = ''

@description('Or any OpenAI-compatible endpoint: its base URL (e.g. https://api.openai.com/v1); used only when no Azure OpenAI endpoint is set.')
param openAiBaseUrl string = ''

@description('Model name at the OpenAI-compatible endpoint.')
param openAiCompatibleModel string = 'gpt-4o-mini'

@secure()
@description('API key of the OpenAI-compatible endpoint (or of your own Azure OpenAI resource if it has keys); kept in Key Vault, never in app settings.')
param openAiApiKey string = ''

@allowed([
  'openai'
  'deterministic'
])
@description('Evaluator of answers: openai (LLM feedback, deterministic fallback) or deterministic (no LLM; no OpenAI resource is created).')
param evaluator string = 'openai'

@minValue(1)
@maxValue(3650)
@description('Days after which interview recordings (blobs under recordings/) are deleted by the storage lifecycle rule.')
param recordingRetentionDays int = 30

@minValue(0)
@description('Days after their last write when Cosmos DB documents (sessions, transcripts, scores, reports) expire; 0 keeps them until deleted.')
param documentRetentionDays int = 0

// Quotas against cost abuse (docs/deploy.md, "Limits"); both apps get the same values.
@minValue(1)
@description('Interviews a candidate may start per clock hour (REHEARSE_QUOTA_SESSIONS_PER_CANDIDATE_PER_HOUR).')
param quotaSessionsPerCandidatePerHour int = 6

@minValue(1)
@description('Interviews one client address may start per clock hour (REHEARSE_QUOTA_SESSIONS_PER_ADDRESS_PER_HOUR).')
param quotaSessionsPerAddressPerHour int = 20

@minValue(1)
@description('Interviews a candidate may have live at once (REHEARSE_QUOTA_LIVE_INTERVIEWS_PER_CANDIDATE).')
param quotaLiveInterviewsPerCandidate int = 2

@minValue(10)
@description('Audio seconds one answer may stream (REHEARSE_QUOTA_ANSWER_AUDIO_S).')
param quotaAnswerAudioSeconds int = 300

@minValue(60)
@description('Audio seconds one interview may stream over all its connections (REHEARSE_QUOTA_INTERVIEW_AUDIO_S).')
param quotaInterviewAudioSeconds int = 3600

@minValue(1)
@description('LLM calls (evaluator and follow-up advisor) per interview (REHEARSE_QUOTA_LLM_CALLS_PER_SESSION).')
param quotaLlmCallsPerSession int = 60

// The limits, and the retention the page tells candidates about, as app settings of both apps.
var limitSettings = {
  REHEARSE_QUOTA_SESSIONS_PER_CANDIDATE_PER_HOUR: string(quotaSessionsPerCandidatePerHour)
  REHEARSE_QUOTA_SESSIONS_PER_ADDRESS_PER_HOUR: string(quotaSessionsPerAddressPerHour)
  REHEARSE_QUOTA_LIVE_INTERVIEWS_PER_CANDIDATE: string(quotaLiveInterviewsPerCandidate)
  REHEARSE_QUOTA_ANSWER_AUDIO_S: string(quotaAnswerAudioSeconds)
  REHEARSE_QUOTA_INTERVIEW_AUDIO_S: string(quotaInterviewAudioSeconds)
  REHEARSE_QUOTA_LLM_CALLS_PER_SESSION: string(quotaLlmCallsPerSession)
  REHEARSE_RECORDING_RETENTION_DAYS: string(recordingRetentionDays)
  REHEARSE_DOCUMENT_RETENTION_DAYS: string(documentRetentionDays)
}

@minValue(0)
@maxValue(300)
@description('Relay replicas kept running with no interview (1: always warm; 0: no idle cost, slower first offer).')
param relayMinReplicas int = 1

@minValue(1)
@maxValue(300)
@description('Most relay replicas.')
param relayMaxReplicas int = 10

@description('Relay image; azd fills it in after the first deploy (SERVICE_RELAY_IMAGE_NAME). Empty deploys a placeholder.')
param relayImage string = ''

@description('vCPU per relay replica (memory is set to twice this in GiB by relayMemory).')
param relayCpu string = '1.0'

@description('Memory per relay replica, e.g. 2Gi for 1.0 vCPU.')
param relayMemory string = '2Gi'

@minValue(1)
@description('Live interviews per relay replica (REHEARSE_MAX_LIVE_SESSIONS).')
param relayMaxLiveSessions int = 8

@minValue(30)
@maxValue(600)
@description('Seconds a stopping relay replica (scale-in, new revision) has before it is killed; live interviews get all but the last 15 s to finish.')
param relayDrainSeconds int = 300

@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
@description('Web PubSub SKU: Free_F1 for a trial (20 connections), Standard_S1 for production.')
param webPubSubSku string = 'Standard_S1'

@allowed([
  'F0'
  'S0'
])
@description('Speech SKU: S0 (pay as you go) or F0 (free monthly allowance, one concurrent recognition: a trial only).')
param speechSku string = 'S0'

@description('Azure neural voice of the interviewer (REHEARSE_SPEECH_VOICE).')
param speechVoice string = 'en-US-JennyNeural'

@description('Client (application) ID of the Entra ID app registration users sign in with; empty leaves Easy Auth off (anyone may create a session).')
param entraClientId string = ''

@description('Tenant of that app registration.')
param entraTenantId string = tenant().tenantId

@description('Origins of the web page that call the API and the relay from a browser (CORS), e.g. ["https://rehearse.example.com"].')
param webOrigins array = []

@secure()
@minLength(32)
@description('HS256 secret for session tokens (REHEARSE_TOKEN_SECRET), stored in Key Vault. azd passes the one its preprovision hook generated once per environment; the default makes a new one on every deployment, which signs out live sessions.')
param tokenSecret string = '${newGuid()}${newGuid()}'

@secure()
@minLength(32)
@description('Shared secret of the TURN servers (REHEARSE_TURN_SECRET), stored in Key Vault: the apps mint short-lived TURN credentials from it. azd passes the one its preprovision hook generated once per environment; with your own TURN service (turnUrls) set it to that service\'s shared secret (TURN REST API, coturn use-auth-secret).')
param turnSecret string = '${newGuid()}${newGuid()}'

@allowed([
  0
  1
  2
])
@description('TURN VMs to deploy (coturn on a small VM each): 1, or 2 so that one VM down does not stop audio (pages and the relay get both servers\' URLs; ICE uses whichever answers). 0 only with a TURN service of your own in turnUrls (or iceServers): without TURN, browsers and the relay cannot exchange audio through Container Apps.')
param turnVmCount int = 1

@description('Bring your own TURN: URLs of a TURN service that checks credentials against turnSecret (TURN REST API), e.g. ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:443?transport=tcp"]. Added after the deployed VMs\' URLs in REHEARSE_TURN_URLS.')
param turnUrls array = []

@description('Extra ICE servers for the page and the relay (REHEARSE_ICE_SERVERS), as RTCIceServer objects, e.g. your own TURN service: [{"urls": "turns:turn.example.com:443", "username": "...", "credential": "..."}].')
param iceServers array = []

@allowed([
  'all'
  'relay'
])
@description('ICE transport policy of the page (REHEARSE_ICE_TRANSPORT_POLICY): relay sends all media through TURN, which hides candidates\' addresses from the relay.')
param iceTransportPolicy string = 'all'

@description('E-mail address the alert rules notify (modules/alerts.bicep, docs/deploy.md "Alerts"); empty: the alerts only show in the portal under Monitor > Alerts.')
param alertEmail string = ''

@description('Private networking: a VNet; private endpoints and private DNS zones for Cosmos DB, Storage (blob, queue), Key Vault, Azure OpenAI and Speech, whose public network access is then disabled; the Function App integrated with the VNet and the Container Apps environment in it. The API, the relay, Web PubSub and the TURN VMs stay public (browsers reach them).')
param privateNetworking bool = false

@description('Address space of that VNet, a /16 that does not overlap networks you peer with it.')
param vnetAddressPrefix string = '10.60.0.0/16'

var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var deployOpenAi = evaluator == 'openai' && empty(existingOpenAiEndpoint) && empty(openAiBaseUrl)
// REHEARSE_TURN_URLS of both apps: the deployed VMs' URLs, then those of a TURN service of your own.
var allTurnUrls = concat(turnVmCount >= 1 ? turn.outputs.urls : [], turnVmCount >= 2 ? turnSecond.outputs.urls : [], turnUrls)

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${token}'
    appInsightsName: 'appi-${token}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${token}'
    location: location
    tags: tags
    recordingRetentionDays: recordingRetentionDays
    privateNetworking: privateNetworking
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: 'cosmos-${token}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    documentRetentionDays: documentRetentionDays
    privateNetworking: privateNetworking
  }
}

module webPubSub 'modules/webpubsub.bicep' = {
  name: 'webpubsub'
  scope: rg
  params: {
    name: 'wps-${token}'
    location: location
    tags: tags
    skuName: webPubSubSku
  }
}

module speech 'modules/speech.bicep' = {
  name: 'speech'
  scope: rg
  params: {
    name: 'spch-${token}'
    location: location
    tags: tags
    skuName: speechSku
    privateNetworking: privateNetworking
  }
}

module openAi 'modules/openai.bicep' = if (deployOpenAi) {
  name: 'openai'
  scope: rg
  params: {
    name: 'oai-${token}'
    location: location
    tags: tags
    modelName: openAiModel
    modelVersion: openAiModelVersion
    deploymentSku: openAiDeploymentSku
    capacity: openAiCapacity
    principalId: identity.outputs.principalId
    privateNetworking: privateNetworking
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${token}'
    location: location
    tags: tags
    tokenSecret: tokenSecret
    turnSecret: turnSecret
    openAiApiKey: openAiApiKey
    privateNetworking: privateNetworking
  }
}

module turn 'modules/turn.bicep' = if (turnVmCount >= 1) {
  name: 'turn'
  scope: rg
  params: {
    name: 'turn-${token}'
    location: location
    tags: tags
    turnSecret: turnSecret
  }
}

// The second TURN VM: its own IP, DNS name and network, the same secret.
module turnSecond 'modules/turn.bicep' = if (turnVmCount >= 2) {
  name: 'turn2'
  scope: rg
  params: {
    name: 'turn2-${token}'
    location: location
    tags: tags
    turnSecret: turnSecret
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-${token}'
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
  }
}

// One private endpoint per service the apps reach (Storage twice: blob and queue), each in its private DNS zone.
module privateEndpoints 'modules/privateendpoints.bicep' = if (privateNetworking) {
  name: 'private-endpoints'
  scope: rg
  params: {
    name: token
    location: location
    tags: tags
    subnetId: network.outputs.privateEndpointSubnetId
    targets: concat([
      {
        key: 'cosmos'
        resourceId: cosmos.outputs.id
        groupId: 'Sql'
        dnsZoneId: network.outputs.dnsZoneIds.cosmos
      }
      {
        key: 'blob'
        resourceId: storage.outputs.id
        groupId: 'blob'
        dnsZoneId: network.outputs.dnsZoneIds.blob
      }
      {
        key: 'queue'
        resourceId: storage.outputs.id
        groupId: 'queue'
        dnsZoneId: network.outputs.dnsZoneIds.queue
      }
      {
        key: 'vault'
        resourceId: keyVault.outputs.id
        groupId: 'vault'
        dnsZoneId: network.outputs.dnsZoneIds.vault
      }
      {
        key: 'speech'
        resourceId: speech.outputs.id
        groupId: 'account'
        dnsZoneId: network.outputs.dnsZoneIds.speech
      }
    ], deployOpenAi ? [
      {
        key: 'openai'
        resourceId: openAi.outputs.id
        groupId: 'account'
        dnsZoneId: network.outputs.dnsZoneIds.openai
      }
    ] : [])
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: 'cr${token}'
    location: location
    tags: tags
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    webPubSubName: webPubSub.outputs.name
    speechName: speech.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultName: keyVault.outputs.name
    registryName: registry.outputs.name
  }
}

module relay 'modules/relay.bicep' = {
  name: 'relay'
  scope: rg
  params: {
    environmentName: 'cae-${token}'
    appName: 'relay-${token}'
    location: location
    tags: tags
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    registryLoginServer: registry.outputs.loginServer
    image: relayImage
    minReplicas: relayMinReplicas
    maxReplicas: relayMaxReplicas
    cpu: relayCpu
    memory: relayMemory
    maxLiveSessions: relayMaxLiveSessions
    limitSettings: limitSettings
    drainSeconds: relayDrainSeconds
    allowedOrigins: webOrigins
    tokenSecretUri: keyVault.outputs.tokenSecretUri
    turnSecretUri: keyVault.outputs.turnSecretUri
    turnUrls: allTurnUrls
    iceServers: iceServers
    infrastructureSubnetId: privateNetworking ? network.outputs.relaySubnetId : ''
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    webPubSubEndpoint: webPubSub.outputs.endpoint
    webPubSubHub: webPubSub.outputs.hubName
    speechRegion: speech.outputs.region
    speechResourceId: speech.outputs.id
    speechEndpoint: privateNetworking ? speech.outputs.endpoint : ''
    speechVoice: speechVoice
  }
  // The image pull (AcrPull) and the Key Vault secret reference (Key Vault Secrets User, through the vault's private
  // endpoint with private networking) must work at creation.
  dependsOn: [
    roles
    privateEndpoints
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    alertEmail: alertEmail
    appInsightsId: monitoring.outputs.appInsightsId
    workspaceId: monitoring.outputs.workspaceId
    relayId: relay.outputs.id
    relayName: relay.outputs.name
    cosmosId: cosmos.outputs.id
    turnVmIds: concat(turnVmCount >= 1 ? [turn.outputs.vmId] : [], turnVmCount >= 2 ? [turnSecond.outputs.vmId] : [])
  }
}

module functions 'modules/functions.bicep' = {
  name: 'functions'
  scope: rg
  params: {
    name: 'func-${token}'
    planName: 'plan-${token}'
    limitSettings: limitSettings
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    keyVaultName: keyVault.outputs.name
    tokenSecretName: keyVault.outputs.tokenSecretName
    turnSecretName: keyVault.outputs.turnSecretName
    turnUrls: allTurnUrls
    iceServers: iceServers
    iceTransportPolicy: iceTransportPolicy
    openAiApiKeySecretName: keyVault.outputs.openAiApiKeySecretName
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    webPubSubEndpoint: webPubSub.outputs.endpoint
    webPubSubHub: webPubSub.outputs.hubName
    speechRegion: speech.outputs.region
    speechResourceId: speech.outputs.id
    speechEndpoint: privateNetworking ? speech.outputs.endpoint : ''
    speechVoice: speechVoice
    relayPublicUrl: relay.outputs.publicUrl
    evaluator: evaluator
    azureOpenAiEndpoint: evaluator != 'openai' ? '' : (deployOpenAi ? openAi.outputs.endpoint : existingOpenAiEndpoint)
    azureOpenAiDeployment: deployOpenAi ? openAi.outputs.deploymentName : existingOpenAiDeployment
    azureOpenAiApiVersion: openAiApiVersion
    openAiBaseUrl: evaluator == 'openai' && empty(existingOpenAiEndpoint) ? openAiBaseUrl : ''
    openAiModel: openAiCompatibleModel
    allowedOrigins: webOrigins
    entraClientId: entraClientId
    entraTenantId: entraTenantId
    virtualNetworkSubnetId: privateNetworking ? network.outputs.functionsSubnetId : ''
  }
  // Host storage, the deployment container and the Key Vault reference all need the identity's roles in place (and,
  // with private networking, the private endpoints they are reached through).
  dependsOn: [
    roles
    privateEndpoints
  ]
}

// azd reads these into the environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output API_URL string = functions.outputs.url
// The page candidates open (the Function App serves web/ at its root); the postdeploy hook in azure.yaml prints it.
output WEB_URL string = '${functions.outputs.url}/'
output RELAY_URL string = relay.outputs.publicUrl
output TURN_URLS array = allTurnUrls
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.appInsightsConnectionString
