// Cosmos DB for NoSQL, serverless and Entra ID only: database "rehearse", one container per document kind (partition key /session_id), data-plane access for the app identity.

@description('Name of the Cosmos DB account (3-44 lower-case letters, digits and hyphens, globally unique).')
param name string

@description('Azure region of the account (serverless accounts have exactly one region).')
param location string

@description('Tags applied to the account.')
param tags object = {}

@description('Private networking: public network access off; the apps reach this resource through its private endpoint (privateendpoints.bicep).')
param privateNetworking bool = false

@description('Name of the database (REHEARSE_COSMOS_DATABASE).')
param databaseName string = 'rehearse'

@description('Principal (object) ID of the app identity that gets Cosmos DB Built-in Data Contributor on the database.')
param principalId string

@minValue(0)
@description('Days after their last write when documents expire (Cosmos TTL); 0 keeps them until the app deletes them.')
param documentRetentionDays int = 0

// One container per document kind the app stores: rehearse/adapters/azure/cosmos_store.py CONTAINERS.
// tests/infra/test_bicep_consistency.py keeps this list and the partition key in step with the code.
var containerNames = [
  'sessions'
  'segments'
  'answers'
  'scores'
  'evaluations'
  'summaries'
  'reports'
  'poison'
  'recordings'
  // partitioned by candidate id: there the value of /session_id is the candidate's id (interviews listed per candidate)
  'history'
  // quota counters (rehearse/app/quotas.py): a session's under its id, the hourly ones under a keyed hash of the
  // candidate or address; each item carries its own ttl, so they expire when their window ends
  'quotas'
]
var partitionKeyPath = '/session_id'

// Cosmos DB Built-in Data Contributor: a Cosmos data-plane role (read and write items and run queries, no account or
// container management), assigned through sqlRoleAssignments rather than Azure RBAC.
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    disableLocalAuth: true
    // Containers are created here, never by the app: with Entra ID the app cannot create or change them anyway.
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = [
  for containerName in containerNames: {
    parent: database
    name: containerName
    properties: {
      resource: {
        id: containerName
        partitionKey: {
          paths: [
            partitionKeyPath
          ]
          kind: 'Hash'
          version: 2
        }
        // -1: TTL on with no default, so a document with its own "ttl" field still expires.
        defaultTtl: documentRetentionDays > 0 ? documentRetentionDays * 86400 : -1
      }
    }
  }
]

resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, principalId, cosmosDataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
    principalId: principalId
    // The database, not the whole account.
    scope: '${account.id}/dbs/${databaseName}'
  }
  dependsOn: [
    database
  ]
}

@description('Document endpoint (REHEARSE_COSMOS_ENDPOINT).')
output endpoint string = account.properties.documentEndpoint

@description('Name of the account.')
output name string = account.name

@description('Name of the database (REHEARSE_COSMOS_DATABASE).')
output databaseName string = database.name

@description('Resource ID of the account (its private endpoint).')
output id string = account.id
