// The TURN server that carries WebRTC audio between browsers and the media relay: coturn on a small Linux VM with a static public IP (Container Apps ingress carries no UDP), checking short-lived credentials against a shared secret.

@description('Name prefix of the VM and its network resources.')
param name string

@description('Azure region of every resource.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@secure()
@minLength(32)
@description('Shared secret coturn checks credentials with (use-auth-secret); the apps mint per-connection credentials from it (REHEARSE_TURN_SECRET).')
param turnSecret string

@description('VM size. Audio-only relaying is light: one B1s carries a few hundred interviews at about 50 kbit/s each way.')
param vmSize string = 'Standard_B1s'

@minValue(1024)
@maxValue(65535)
@description('Port coturn listens on for TURN over UDP and TCP.')
param listeningPort int = 3478

@minValue(1024)
@maxValue(65535)
@description('Lowest UDP port of relayed media (one per allocation).')
param relayPortMin int = 49152

@minValue(1024)
@maxValue(65535)
@description('Highest UDP port of relayed media.')
param relayPortMax int = 65535

@minValue(10)
@description('Most allocations at once (two per interview: the page and the relay).')
param totalQuota int = 2000

var privateIp = '10.42.0.4'
// The admin account is required by Azure; SSH is not opened and the password is derived from the secret, never shown.
var adminPassword = '${uniqueString(resourceGroup().id, name, turnSecret)}Tn!9${uniqueString(turnSecret, name)}'
var config = replace(replace(replace(replace(replace(replace(loadTextContent('turn/turnserver.conf'),
  '__LISTENING_PORT__', string(listeningPort)),
  '__MIN_PORT__', string(relayPortMin)),
  '__MAX_PORT__', string(relayPortMax)),
  '__EXTERNAL_IP__', '${publicIp.properties.ipAddress}/${privateIp}'),
  '__TURN_SECRET__', turnSecret),
  '__TOTAL_QUOTA__', string(totalQuota))

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-${name}'
  location: location
  tags: tags
  properties: {
    securityRules: [
      {
        name: 'turn-udp'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Udp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: string(listeningPort)
        }
      }
      {
        name: 'turn-tcp'
        properties: {
          priority: 110
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: string(listeningPort)
        }
      }
      {
        name: 'relayed-media'
        properties: {
          priority: 120
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Udp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '${relayPortMin}-${relayPortMax}'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-${name}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.42.0.0/24'
      ]
    }
    subnets: [
      {
        name: 'turn'
        properties: {
          addressPrefix: '10.42.0.0/24'
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}

resource publicIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-${name}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    dnsSettings: {
      domainNameLabel: name
    }
  }
}

resource nic 'Microsoft.Network/networkInterfaces@2024-05-01' = {
  name: 'nic-${name}'
  location: location
  tags: tags
  properties: {
    ipConfigurations: [
      {
        name: 'primary'
        properties: {
          privateIPAllocationMethod: 'Static'
          privateIPAddress: privateIp
          subnet: {
            id: vnet.properties.subnets[0].id
          }
          publicIPAddress: {
            id: publicIp.id
          }
        }
      }
    ]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2024-07-01' = {
  name: 'vm-${name}'
  location: location
  tags: tags
  properties: {
    hardwareProfile: {
      vmSize: vmSize
    }
    osProfile: {
      computerName: 'turn'
      adminUsername: 'rehearse'
      adminPassword: adminPassword
      linuxConfiguration: {
        disablePasswordAuthentication: false
        patchSettings: {
          patchMode: 'AutomaticByPlatform'
        }
      }
    }
    storageProfile: {
      imageReference: {
        publisher: 'Debian'
        offer: 'debian-12'
        sku: '12-gen2'
        version: 'latest'
      }
      osDisk: {
        createOption: 'FromImage'
        deleteOption: 'Delete'
        managedDisk: {
          storageAccountType: 'Standard_LRS'
        }
      }
    }
    networkProfile: {
      networkInterfaces: [
        {
          id: nic.id
          properties: {
            deleteOption: 'Delete'
          }
        }
      ]
    }
  }
}

// Installs coturn and writes its configuration; runs again whenever the configuration (or the secret) changes.
resource setup 'Microsoft.Compute/virtualMachines/extensions@2024-07-01' = {
  parent: vm
  name: 'coturn'
  location: location
  tags: tags
  properties: {
    publisher: 'Microsoft.Azure.Extensions'
    type: 'CustomScript'
    typeHandlerVersion: '2.1'
    autoUpgradeMinorVersion: true
    protectedSettings: {
      commandToExecute: 'echo ${base64(loadTextContent('turn/setup.sh'))} | base64 -d > /root/rehearse-turn-setup.sh && sh /root/rehearse-turn-setup.sh ${base64(config)}'
    }
  }
}

var host = publicIp.properties.dnsSettings.fqdn

@description('TURN URLs for REHEARSE_TURN_URLS: UDP first, TCP for networks that block UDP.')
output urls array = [
  'turn:${host}:${listeningPort}?transport=udp'
  'turn:${host}:${listeningPort}?transport=tcp'
]

@description('Public IP address of the TURN server.')
output ipAddress string = publicIp.properties.ipAddress

@description('Resource ID of the VM (alerts.bicep watches its availability).')
output vmId string = vm.id
