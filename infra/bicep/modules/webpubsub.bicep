// Azure Web PubSub with keys off (Entra ID only) and the hub the functions publish session events to; each browser may join only its session's group.

@description('Name of the Web PubSub resource (3-63 letters, digits and hyphens, globally unique).')
param name string

@description('Azure region of the resource.')
param location string

@description('Tags applied to the resource.')
param tags object = {}

@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
@description('SKU: Free_F1 (20 connections, 20,000 messages a day, no SLA; trials only), Standard_S1 (1,000 connections and 1 million messages a day per unit) or Premium_P1 (adds zone redundancy and autoscale).')
param skuName string = 'Standard_S1'

@minValue(1)
@description('Units; each allows 1,000 concurrent connections (one per candidate page). Free_F1 allows only 1.')
param capacity int = 1

@description('Name of the hub (REHEARSE_WEBPUBSUB_HUB): letters, digits and underscores, starting with a letter.')
param hubName string = 'rehearse'

var tier = skuName == 'Free_F1' ? 'Free' : (skuName == 'Premium_P1' ? 'Premium' : 'Standard')

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'WebPubSub'
  sku: {
    name: skuName
    tier: tier
    capacity: skuName == 'Free_F1' ? 1 : capacity
  }
  properties: {
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

// No event handler: browsers only receive (the json.webpubsub.azure.v1 subprotocol with a token whose only role is
// joinLeaveGroup on their session's group); nothing flows from clients to the app through the service. A future
// feature that needs client events would add an eventHandlers entry with auth.type 'ManagedIdentity' here.
resource hub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: webPubSub
  name: hubName
  properties: {
    anonymousConnectPolicy: 'Deny'
    eventHandlers: []
  }
}

@description('Service endpoint (REHEARSE_WEBPUBSUB_ENDPOINT).')
output endpoint string = 'https://${webPubSub.properties.hostName}'

@description('Name of the resource (roles.bicep scopes Web PubSub Service Owner to it).')
output name string = webPubSub.name

@description('Name of the hub (REHEARSE_WEBPUBSUB_HUB).')
output hubName string = hub.name
