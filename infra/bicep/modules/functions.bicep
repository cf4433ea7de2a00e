// The Function App on Flex Consumption (Python 3.11): the HTTP API and the queue-triggered feedback functions, identity-based host storage, Key Vault references, Easy Auth with Entra ID.

@description('Name of the Function App (globally unique host name prefix).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app (the app also gets azd-service-name: api).')
param tags object = {}

@description('Resource ID of the user-assigned identity the app runs as.')
param identityId string

@description('Client ID of that identity (AZURE_CLIENT_ID, AzureWebJobsStorage__clientId).')
param identityClientId string

@description('Name of the storage account: host storage, queues, blobs and deployment packages.')
param storageAccountName string

@description('Blob endpoint of that account, with a trailing slash.')
param blobEndpoint string

@description('Queue endpoint of that account, with a trailing slash.')
param queueEndpoint string

@description('Blob container of the deployment packages.')
param deploymentContainerName string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Name of the Key Vault holding the token secret (and the optional OpenAI-compatible API key).')
param keyVaultName string

@description('Name of the token secret in that vault.')
param tokenSecretName string

@description('Name of the TURN shared secret in that vault.')
param turnSecretName string

@description('TURN URLs handed to pages with per-session credentials (REHEARSE_TURN_URLS); empty for none.')
param turnUrls array = []

@description('Extra ICE servers for pages (REHEARSE_ICE_SERVERS), RTCIceServer objects.')
param iceServers array = []

@allowed([
  'all'
  'relay'
])
@description('ICE transport policy of pages (REHEARSE_ICE_TRANSPORT_POLICY).')
param iceTransportPolicy string = 'all'

@description('Name of the OpenAI-compatible API key secret in that vault, or empty when there is none.')
param openAiApiKeySecretName string = ''

@description('Cosmos DB document endpoint.')
param cosmosEndpoint string

@description('Cosmos DB database name.')
param cosmosDatabase string

@description('Web PubSub endpoint.')
param webPubSubEndpoint string

@description('Web PubSub hub.')
param webPubSubHub string

@description('Speech region.')
param speechRegion string

@description('Speech resource ID (Entra ID tokens to Speech).')
param speechResourceId string

@description('The Speech resource\'s own endpoint (https://<custom domain>.cognitiveservices.azure.com/), where the apps reach Speech instead of the region\'s hosts: needed behind its private endpoint. Empty: the region\'s endpoint.')
param speechEndpoint string = ''

@description('Azure neural voice of the interviewer.')
param speechVoice string

@description('Public HTTPS URL of the relay, where browsers send their WebRTC offers.')
param relayPublicUrl string

@allowed([
  'openai'
  'deterministic'
])
@description('Evaluator of answers: openai (an LLM, with the deterministic evaluator as fallback) or deterministic.')
param evaluator string = 'openai'

@description('Azure OpenAI endpoint; empty when an OpenAI-compatible endpoint (or no LLM) is used.')
param azureOpenAiEndpoint string = ''

@description('Azure OpenAI deployment name.')
param azureOpenAiDeployment string = ''

@description('Azure OpenAI API version.')
param azureOpenAiApiVersion string = '2024-10-21'

@description('Base URL of an OpenAI-compatible endpoint; used only when azureOpenAiEndpoint is empty.')
param openAiBaseUrl string = ''

@description('Model name at the OpenAI-compatible endpoint.')
param openAiModel string = ''

@minValue(1)
@maxValue(20)
@description('Deliveries before a failing event goes to its poison queue; must equal extensions.queues.maxDequeueCount in host.json.')
param queueMaxDequeue int = 5

@description('Directory of the ONNX sentence embedder inside the deployed package (score_answer needs it).')
param embedderModelDir string = '/home/site/wwwroot/.rehearse-data/models/minilm'

@minValue(1)
@maxValue(1000)
@description('Most instances the app scales out to.')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Memory of each instance in MB; scoring loads onnxruntime models, so 2048.')
param instanceMemoryMB int = 2048

@minValue(0)
@description('Always-ready instances for the HTTP functions (no cold start on POST /api/sessions; billed even with no traffic).')
param alwaysReadyHttpInstances int = 0

@description('Origins of the web page allowed to call the API from a browser (CORS), e.g. https://rehearse.example.com.')
param allowedOrigins array = []

@description('Client (application) ID of the Entra ID app registration for sign-in; empty turns Easy Auth off.')
param entraClientId string = ''

@description('Tenant ID that issues sign-in tokens.')
param entraTenantId string = tenant().tenantId

@description('Subnet for VNet integration (private networking: network.bicep functionsSubnetId, delegated to Microsoft.App/environments); empty leaves the app outside any VNet. All outbound traffic then goes through the VNet, so the private endpoints\' DNS zones answer.')
param virtualNetworkSubnetId string = ''

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // The API stays public: candidates' browsers call it. Private networking covers its way out (below).
    publicNetworkAccess: 'Enabled'
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // Key Vault references (REHEARSE_TOKEN_SECRET) resolve with this identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: allowedOrigins
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyHttpInstances > 0 ? [
          {
            name: 'http'
            instanceCount: alwaysReadyHttpInstances
          }
        ] : []
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Flex Consumption takes the runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION
// must not be set. No key or connection string appears below: every service is reached with the managed identity.
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The page (functions/web_blueprint.py) is the root, not the host's default home page.
  AzureWebJobsDisableHomepage: 'true'
}

// Every Settings field (rehearse/config.py) the Azure world reads. Keys and connection strings (cosmos_key,
// storage_connection_string, webpubsub_connection_string, speech_key) are for local emulators only and never set here.
@description('Quota and retention app settings (docs/deploy.md, "Limits"), the same for the relay.')
param limitSettings object = {}

var rehearseSettings = {
  REHEARSE_WORLD: 'azure'
  REHEARSE_EVALUATOR: evaluator
  REHEARSE_DATA_DIR: '/tmp/rehearse'
  REHEARSE_EMBEDDER_MODEL_DIR: embedderModelDir
  REHEARSE_TOKEN_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${tokenSecretName})'
  REHEARSE_QUEUE_MAX_DEQUEUE: string(queueMaxDequeue)
  REHEARSE_COSMOS_ENDPOINT: cosmosEndpoint
  REHEARSE_COSMOS_DATABASE: cosmosDatabase
  REHEARSE_BLOB_ENDPOINT: blobEndpoint
  REHEARSE_QUEUE_ENDPOINT: queueEndpoint
  REHEARSE_WEBPUBSUB_ENDPOINT: webPubSubEndpoint
  REHEARSE_WEBPUBSUB_HUB: webPubSubHub
  REHEARSE_SPEECH_REGION: speechRegion
  REHEARSE_SPEECH_RESOURCE_ID: speechResourceId
  REHEARSE_SPEECH_ENDPOINT: speechEndpoint
  REHEARSE_SPEECH_VOICE: speechVoice
  REHEARSE_RELAY_PUBLIC_URL: relayPublicUrl
  // Spans to Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING above, ingested with the managed identity).
  REHEARSE_TRACES: 'azure'
  REHEARSE_TURN_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${turnSecretName})'
  REHEARSE_TURN_URLS: string(turnUrls)
  REHEARSE_ICE_SERVERS: string(iceServers)
  REHEARSE_ICE_TRANSPORT_POLICY: iceTransportPolicy
  // The app reads the candidate from Easy Auth's headers only when Easy Auth is on to set and strip them.
  REHEARSE_REQUIRE_SIGN_IN: string(!empty(entraClientId))
}

// Azure OpenAI with the managed identity (Cognitive Services OpenAI User), or an OpenAI-compatible endpoint whose key
// stays in Key Vault. config.py prefers Azure OpenAI whenever REHEARSE_AZURE_OPENAI_ENDPOINT is set.
var azureOpenAiSettings = empty(azureOpenAiEndpoint) ? {} : {
  REHEARSE_AZURE_OPENAI_ENDPOINT: azureOpenAiEndpoint
  REHEARSE_AZURE_OPENAI_DEPLOYMENT: azureOpenAiDeployment
  REHEARSE_AZURE_OPENAI_API_VERSION: azureOpenAiApiVersion
}
var openAiCompatibleSettings = empty(openAiBaseUrl) ? {} : {
  REHEARSE_OPENAI_BASE_URL: openAiBaseUrl
  REHEARSE_OPENAI_MODEL: openAiModel
}
var openAiKeySettings = empty(openAiApiKeySecretName) ? {} : {
  REHEARSE_OPENAI_API_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${openAiApiKeySecretName})'
}

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(hostSettings, rehearseSettings, limitSettings, azureOpenAiSettings, openAiCompatibleSettings, openAiKeySettings)
}

// Publishing with user names and passwords is off; azd deploys with an Entra ID token.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// Easy Auth: creating a session (POST /api/sessions) needs an Entra ID access token for the app registration.
// Excluded: GET /api/roles (public) and everything under /api/sessions/ (GET a session, negotiate), which carries the
// session token in its Authorization header and is checked by the app itself; Easy Auth must not try to read that
// token as an Entra ID one. Wildcards in excludedPaths are documented for the file-based auth configuration.
// The page's files (web/, served by functions/web_blueprint.py) load without sign-in: the page asks /.auth/me and sends
// the candidate to /.auth/login/aad before POST /api/sessions. tests/infra/test_bicep_consistency.py keeps this list
// equal to web/.
var pagePaths = [
  '/'
  '/api.js'
  '/app.js'
  '/connection.js'
  '/constants.js'
  '/cues.js'
  '/diagnostics.js'
  '/dom.js'
  '/favicon.svg'
  '/feedback.js'
  '/history.css'
  '/history.js'
  '/index.html'
  '/interview.js'
  '/link.js'
  '/metrics.js'
  '/mic.js'
  '/peer.js'
  '/privacy.js'
  '/pubsub.js'
  '/questions.js'
  '/replay.js'
  '/report.js'
  '/report_table.js'
  '/session.js'
  '/setup.js'
  '/signin.js'
  '/style.css'
  '/theme.js'
  '/timer.js'
  '/transcript.js'
]

resource authSettings 'Microsoft.Web/sites/config@2024-11-01' = if (!empty(entraClientId)) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: concat([
        '/api/roles'
        '/api/sessions/*'
      ], pagePaths)
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: 'https://login.microsoftonline.com/${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraClientId}'
            entraClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
    }
  }
}

@description('Name of the Function App.')
output name string = functionApp.name

@description('Base URL of the Function App: the page at /, the API under /api.')
output url string = 'https://${functionApp.properties.defaultHostName}'
