// The always-on WebRTC media relay: a Container Apps environment (Consumption workload profile) and the relay app with external HTTPS ingress on 8000, health probes, scale rules and a drain period.

@description('Name of the Container Apps environment.')
param environmentName string

@description('Name of the relay container app (2-32 lower-case letters, digits and hyphens).')
param appName string

@description('Azure region of both resources.')
param location string

@description('Tags applied to both resources (the app also gets azd-service-name: relay).')
param tags object = {}

@description('Resource ID of the Log Analytics workspace for the environment\'s logs.')
param logAnalyticsWorkspaceId string

@description('Resource ID of the user-assigned identity the relay runs as.')
param identityId string

@description('Client ID of that identity (AZURE_CLIENT_ID).')
param identityClientId string

@description('Login server of the registry holding the relay image.')
param registryLoginServer string

@description('Relay image, e.g. <registry>/rehearse/relay-<env>:azd-deploy-<n>; empty deploys a placeholder until the first azd deploy.')
param image string = ''

@minValue(0)
@maxValue(300)
@description('Replicas kept running with no interview: 1 keeps the relay warm (a cold start would delay the first offer); 0 saves the idle cost.')
param minReplicas int = 1

@minValue(1)
@maxValue(300)
@description('Most replicas; each carries up to maxLiveSessions interviews.')
param maxReplicas int = 10

@description('vCPU per replica (Consumption profile: 0.25 to 4 in steps of 0.25, with memory at 2 GiB per vCPU).')
param cpu string = '1.0'

@description('Memory per replica, twice the vCPU count in GiB, e.g. 2Gi for 1.0 vCPU.')
param memory string = '2Gi'

@minValue(1)
@description('Live interviews one replica accepts before answering 503 relay_busy (REHEARSE_MAX_LIVE_SESSIONS).')
param maxLiveSessions int = 8

@description('Quota settings (docs/deploy.md, "Limits"), the same as the Function App\'s: the relay enforces the audio and live-interview limits.')
param limitSettings object = {}

var limitEnv = [for setting in items(limitSettings): {
  name: setting.key
  value: setting.value
}]

@minValue(30)
@maxValue(600)
@description('Seconds between SIGTERM and SIGKILL when a replica is stopped (scale-in, new revision). The relay stops taking offers at once and gives live interviews all but the last 15 s of it (REHEARSE_DRAIN_GRACE_S) to finish.')
param drainSeconds int = 300

@minValue(10)
@maxValue(95)
@description('Average CPU utilization (percent) above which the relay scales out; speech work per live session is CPU-bound.')
param targetCpuUtilization int = 60

@minValue(1)
@description('Concurrent HTTP requests per replica above which the relay scales out (offers are short; a burst of new interviews).')
param concurrentRequests int = 10

@description('Origins of the web page allowed to send offers from a browser (CORS); empty sets no CORS policy.')
param allowedOrigins array = []

@description('Versionless Key Vault URI of the token secret.')
param tokenSecretUri string

@description('Versionless Key Vault URI of the TURN shared secret.')
param turnSecretUri string

@description('TURN URLs the relay allocates its own relayed candidates on (REHEARSE_TURN_URLS); empty for none.')
param turnUrls array = []

@description('Extra ICE servers (REHEARSE_ICE_SERVERS), RTCIceServer objects.')
param iceServers array = []

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Cosmos DB document endpoint.')
param cosmosEndpoint string

@description('Cosmos DB database name.')
param cosmosDatabase string

@description('Blob endpoint (recordings).')
param blobEndpoint string

@description('Queue endpoint (answer.completed and the other events).')
param queueEndpoint string

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

@description('Infrastructure subnet of the environment (private networking: network.bicep relaySubnetId, delegated to Microsoft.App/environments); empty uses a platform-managed network. Ingress stays external either way. An existing environment cannot move into a VNet: it is replaced.')
param infrastructureSubnetId string = ''

var port = 8000
var placeholderImage = 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'
var hasImage = !empty(image)

// Liveness must not kill a replica that is draining (/healthz answers 503 then): its failure window is longer
// than the drain period. Readiness takes a draining replica out of the load balancer within about 10 s.
var livenessPeriodSeconds = max(10, (drainSeconds / 10) + 1)
var healthCheck = {
  path: '/healthz'
  port: port
  scheme: 'HTTP'
}
var probes = [
  {
    type: 'Startup'
    httpGet: healthCheck
    initialDelaySeconds: 2
    periodSeconds: 10
    timeoutSeconds: 3
    failureThreshold: 10
  }
  {
    type: 'Readiness'
    httpGet: healthCheck
    periodSeconds: 5
    timeoutSeconds: 3
    failureThreshold: 2
    successThreshold: 1
  }
  {
    type: 'Liveness'
    httpGet: healthCheck
    periodSeconds: livenessPeriodSeconds
    timeoutSeconds: 5
    failureThreshold: 10
  }
]

var corsPolicy = empty(allowedOrigins) ? null : {
  allowedOrigins: allowedOrigins
  allowedMethods: [
    'GET'
    'POST'
    'OPTIONS'
  ]
  allowedHeaders: [
    'authorization'
    'content-type'
    'traceparent'
  ]
  maxAge: 600
}

resource managedEnvironment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    // Logs go to Log Analytics through the diagnostic setting below: no workspace shared key in the template.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: false
    // In the VNet the relay resolves Cosmos DB, Storage, Key Vault and Speech to their private endpoints.
    vnetConfiguration: empty(infrastructureSubnetId) ? null : {
      infrastructureSubnetId: infrastructureSubnetId
      internal: false
    }
  }
}

resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: managedEnvironment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource relay 'Microsoft.App/containerApps@2025-01-01' = {
  name: appName
  location: location
  tags: union(tags, {
    'azd-service-name': 'relay'
  })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: managedEnvironment.id
    workloadProfileName: 'Consumption'
    configuration: {
      // Single revision: sticky sessions need it, and a new revision drains the old one's interviews.
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: port
        transport: 'http'
        allowInsecure: false
        // A reconnecting page goes back to the replica that holds its session, if its requests carry the affinity
        // cookie (same-site page, or fetch with credentials); otherwise another replica may take the offer.
        stickySessions: {
          affinity: 'sticky'
        }
        corsPolicy: corsPolicy
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
      secrets: [
        {
          name: 'token-secret'
          keyVaultUrl: tokenSecretUri
          identity: identityId
        }
        {
          name: 'turn-secret'
          keyVaultUrl: turnSecretUri
          identity: identityId
        }
      ]
    }
    template: {
      terminationGracePeriodSeconds: drainSeconds
      containers: [
        {
          name: 'relay'
          image: hasImage ? image : placeholderImage
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat([
            {
              name: 'REHEARSE_WORLD'
              value: 'azure'
            }
            {
              name: 'REHEARSE_HOST'
              value: '0.0.0.0'
            }
            {
              name: 'REHEARSE_PORT'
              value: string(port)
            }
            {
              name: 'REHEARSE_DATA_DIR'
              value: '/tmp/rehearse'
            }
            {
              name: 'REHEARSE_MAX_LIVE_SESSIONS'
              value: string(maxLiveSessions)
            }
            {
              name: 'REHEARSE_DRAIN_GRACE_S'
              value: string(drainSeconds - 15)
            }
            {
              name: 'REHEARSE_TOKEN_SECRET'
              secretRef: 'token-secret'
            }
            {
              name: 'REHEARSE_TURN_SECRET'
              secretRef: 'turn-secret'
            }
            {
              name: 'REHEARSE_TURN_URLS'
              value: string(turnUrls)
            }
            {
              name: 'REHEARSE_ICE_SERVERS'
              value: string(iceServers)
            }
            {
              name: 'REHEARSE_COSMOS_ENDPOINT'
              value: cosmosEndpoint
            }
            {
              name: 'REHEARSE_COSMOS_DATABASE'
              value: cosmosDatabase
            }
            {
              name: 'REHEARSE_BLOB_ENDPOINT'
              value: blobEndpoint
            }
            {
              name: 'REHEARSE_QUEUE_ENDPOINT'
              value: queueEndpoint
            }
            {
              name: 'REHEARSE_WEBPUBSUB_ENDPOINT'
              value: webPubSubEndpoint
            }
            {
              name: 'REHEARSE_WEBPUBSUB_HUB'
              value: webPubSubHub
            }
            {
              name: 'REHEARSE_SPEECH_REGION'
              value: speechRegion
            }
            {
              name: 'REHEARSE_SPEECH_RESOURCE_ID'
              value: speechResourceId
            }
            {
              name: 'REHEARSE_SPEECH_ENDPOINT'
              value: speechEndpoint
            }
            {
              name: 'REHEARSE_SPEECH_VOICE'
              value: speechVoice
            }
            {
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'REHEARSE_TRACES'
              value: 'azure'
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              value: appInsightsConnectionString
            }
            {
              name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
              value: 'ClientId=${identityClientId};Authorization=AAD'
            }
          ], limitEnv)
          // The placeholder image does not serve /healthz; probes arrive with the first provision that knows the
          // relay image (azd provision after azd deploy, see docs/deploy.md).
          probes: hasImage ? probes : []
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        // Concurrent live sessions are what load a replica, and they are long-lived WebRTC connections, not HTTP
        // requests: CPU tracks them. The HTTP rule only reacts to a burst of offers.
        rules: [
          {
            name: 'cpu'
            custom: {
              type: 'cpu'
              metadata: {
                type: 'Utilization'
                value: string(targetCpuUtilization)
              }
            }
          }
          {
            name: 'offers'
            http: {
              metadata: {
                concurrentRequests: string(concurrentRequests)
              }
            }
          }
        ]
      }
    }
  }
}

@description('Name of the relay app.')
output name string = relay.name

@description('Resource ID of the relay app (alerts.bicep watches its restarts).')
output id string = relay.id

@description('Public HTTPS URL of the relay (REHEARSE_RELAY_PUBLIC_URL).')
output publicUrl string = 'https://${relay.properties.configuration.ingress.fqdn}'
