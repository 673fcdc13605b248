// Event Hubs: the hub AKS diagnostic settings stream the audit log to, and the consumer group the Function reads.

@description('Event Hubs namespace name.')
param namespaceName string

@description('Region; the AKS clusters that stream here must be in the same region.')
param location string

param tags object = {}

@description('Throughput units of the Standard namespace (1 MB/s or 1,000 events/s in each).')
@minValue(1)
@maxValue(20)
param throughputUnits int = 1

@description('Partitions of the hub: the most Function instances that read at once. Cannot be changed later on Standard.')
@minValue(1)
@maxValue(32)
param partitionCount int = 4

@description('Days the hub keeps events (Standard: 1 to 7). Longer retention lets a stopped Function catch up.')
@minValue(1)
@maxValue(7)
param messageRetentionInDays int = 1

param eventHubName string = 'aks-audit'
param consumerGroupName string = 'kubetrail'

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard', capacity: throughputUnits }
  properties: {
    minimumTlsVersion: '1.2'
    // Local (SAS) auth stays enabled only because diagnostic settings can stream with nothing else; the
    // Function reads with its managed identity and no SAS key is handed to anything but the diagnostic setting.
    disableLocalAuth: false
    isAutoInflateEnabled: false
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: eventHubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: messageRetentionInDays
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: hub
  name: consumerGroupName
}

// The rule diagnostic settings use. Azure Monitor requires a namespace-level rule with Manage, Send and Listen
// (learn: azure-monitor/essentials/diagnostic-settings, "Destinations"); nothing else should use its keys.
resource diagnosticsRule 'Microsoft.EventHub/namespaces/authorizationRules@2024-01-01' = {
  parent: namespace
  name: 'aks-diagnostic-settings'
  properties: {
    rights: ['Manage', 'Send', 'Listen']
  }
}

output namespaceName string = namespace.name
// serviceBusEndpoint is https://<namespace>.servicebus.windows.net:443/ (another suffix in sovereign clouds).
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
output eventHubName string = hub.name
output consumerGroupName string = consumerGroup.name
output diagnosticsAuthorizationRuleId string = diagnosticsRule.id
