// Private networking (privateNetworking in main.bicep): a VNet with a subnet for the Function App's VNet integration, one for the Container Apps environment and one for private endpoints, and the private DNS zones those endpoints register in, linked to the VNet.

@description('Name of the virtual network.')
param name string

@description('Azure region of the virtual network (private DNS zones are global).')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Address space of the VNet, a /16; the subnets are its first four /24s (functions, private endpoints, and a /23 for the relay).')
param addressPrefix string = '10.60.0.0/16'

// The private DNS zone of each service the private endpoints reach (Azure public cloud names). privateendpoints.bicep
// registers each endpoint in the zone of its key; tests/infra/test_bicep_options.py checks every key is used.
var zoneNames = {
  cosmos: 'privatelink.documents.azure.com'
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  vault: 'privatelink.vaultcore.azure.net'
  openai: 'privatelink.openai.azure.com'
  speech: 'privatelink.cognitiveservices.azure.com'
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        // Flex Consumption VNet integration: a subnet of its own, delegated to Microsoft.App/environments.
        name: 'functions'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 0)
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
      {
        // Infrastructure subnet of the Container Apps environment (workload profiles: /27 or larger, delegated).
        name: 'relay'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 23, 1)
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(zoneNames): {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for zone in items(zoneNames): {
    name: '${zone.value}/link-${name}'
    location: 'global'
    tags: tags
    properties: {
      virtualNetwork: {
        id: vnet.id
      }
      registrationEnabled: false
    }
    dependsOn: [
      zones
    ]
  }
]

@description('Resource ID of the VNet.')
output id string = vnet.id

@description('Subnet the Function App integrates with (virtualNetworkSubnetId).')
output functionsSubnetId string = vnet.properties.subnets[0].id

@description('Subnet the private endpoints are placed in.')
output privateEndpointSubnetId string = vnet.properties.subnets[1].id

@description('Infrastructure subnet of the Container Apps environment.')
output relaySubnetId string = vnet.properties.subnets[2].id

@description('Resource ID of each private DNS zone, by service key (cosmos, blob, queue, vault, openai, speech); the zones exist once this module has deployed.')
output dnsZoneIds object = {
  cosmos: resourceId('Microsoft.Network/privateDnsZones', zoneNames.cosmos)
  blob: resourceId('Microsoft.Network/privateDnsZones', zoneNames.blob)
  queue: resourceId('Microsoft.Network/privateDnsZones', zoneNames.queue)
  vault: resourceId('Microsoft.Network/privateDnsZones', zoneNames.vault)
  openai: resourceId('Microsoft.Network/privateDnsZones', zoneNames.openai)
  speech: resourceId('Microsoft.Network/privateDnsZones', zoneNames.speech)
}
