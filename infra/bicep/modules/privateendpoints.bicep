// Private endpoints (privateNetworking in main.bicep): one per service the apps reach inside the VNet, each registered in its private DNS zone so the service's usual host name resolves to the endpoint.

@description('Name prefix of the endpoints.')
param name string

@description('Azure region of the endpoints (the VNet\'s).')
param location string

@description('Tags applied to every endpoint.')
param tags object = {}

@description('Subnet the endpoints are placed in (network.bicep privateEndpointSubnetId).')
param subnetId string

@description('One entry per endpoint: { key, resourceId, groupId, dnsZoneId }; key names the endpoint (pe-<name>-<key>).')
param targets array

resource endpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [
  for target in targets: {
    name: 'pe-${name}-${target.key}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: subnetId
      }
      privateLinkServiceConnections: [
        {
          name: target.key
          properties: {
            privateLinkServiceId: target.resourceId
            groupIds: [
              target.groupId
            ]
          }
        }
      ]
    }
  }
]

resource dnsZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [
  for target in targets: {
    name: 'pe-${name}-${target.key}/default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: target.key
          properties: {
            privateDnsZoneId: target.dnsZoneId
          }
        }
      ]
    }
    dependsOn: [
      endpoints
    ]
  }
]

@description('Names of the endpoints created.')
output names array = [for target in targets: 'pe-${name}-${target.key}']
