// Storage account with shared keys off (Entra ID only): recordings/reports blobs, Flex deployment packages, every event queue and its poison queue, and the recordings retention rule.

@description('Name of the storage account (3-24 lower-case letters and digits, globally unique).')
param name string

@description('Azure region of the account.')
param location string

@description('Tags applied to the account.')
param tags object = {}

@description('Private networking: public network access off; the apps reach this resource through its private endpoint (privateendpoints.bicep).')
param privateNetworking bool = false

@minValue(1)
@maxValue(3650)
@description('Days after upload when blobs under recordings/ are deleted by the lifecycle rule (interview audio is personal data).')
param recordingRetentionDays int = 30

@minValue(1)
@maxValue(365)
@description('Days a deleted blob stays recoverable (soft delete); a deleted recording is gone for good after this many more days.')
param softDeleteDays int = 7

@description('Blob container that holds the Flex Consumption deployment packages of the Function App.')
param deploymentContainerName string = 'deployments'

// Every queue in rehearse/domain/events.py QUEUES and the "<queue>-poison" queue the Functions host moves a message to after
// maxDequeueCount failed deliveries. tests/infra/test_bicep_consistency.py keeps this list in step with the code.
var queueNames = [
  'answer-completed'
  'answer-completed-poison'
  'answer-scored'
  'answer-scored-poison'
  'question-closed'
  'question-closed-poison'
  'interview-ended'
  'interview-ended-poison'
]

var blobContainerNames = [
  'recordings'
  'reports'
  'diagnostics'
  deploymentContainerName
]

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for containerName in blobContainerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-recordings'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
                'appendBlob'
              ]
              // A prefix starts with the container name: every blob in the recordings container.
              prefixMatch: [
                'recordings/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterCreationGreaterThan: recordingRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

@description('Name of the storage account (AzureWebJobsStorage__accountName).')
output name string = account.name

@description('Blob endpoint, with a trailing slash (REHEARSE_BLOB_ENDPOINT).')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue endpoint, with a trailing slash (REHEARSE_QUEUE_ENDPOINT).')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('Container of the Flex Consumption deployment packages.')
output deploymentContainerName string = deploymentContainerName

@description('Every queue created, poison queues included.')
output queueNames array = queueNames

@description('Resource ID of the account (its blob and queue private endpoints).')
output id string = account.id
