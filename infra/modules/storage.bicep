// One storage account, reached only with Entra ID: the Functions host (leases, Event Hubs checkpoints, the Flex
// deployment package) and kubetrail's tables (detection state, emission claims, outbox, quarantine), which the
// Function creates itself.

@description('Storage account name (3-24 lower-case letters and digits).')
param name string

param location string
param tags object = {}

@description('Blob container Flex Consumption deploys the app package to.')
param deploymentContainerName string = 'app-package'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
// Without the trailing slash primaryEndpoints.table carries: the form KUBETRAIL_STATE documents.
output tableEndpoint string = 'https://${account.name}.table.${environment().suffixes.storage}'
