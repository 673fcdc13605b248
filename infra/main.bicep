// kubetrail: AKS audit log -> Event Hubs -> Azure Functions (detections, state in Table Storage) -> Log Analytics
// (KubetrailIncidents_CL, Logs Ingestion API) -> Microsoft Sentinel. `azd up` deploys this and the Function code.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource. The AKS clusters you connect must be in this region (Event Hubs requirement).')
param location string

@description('Resource id of an existing Log Analytics workspace (any resource group or subscription) to send incidents to. Empty: create one.')
param existingWorkspaceResourceId string = ''

@description('Days a new workspace keeps data.')
@minValue(30)
@maxValue(730)
param workspaceRetentionInDays int = 90

@description('Enable Microsoft Sentinel on the workspace. Set false when the workspace already has Sentinel.')
param onboardSentinel bool = true

@description('Partitions of the audit hub: the most Function instances that read at once. Fixed after creation.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 4

@description('Throughput units of the Event Hubs namespace (each 1 MB/s in).')
@minValue(1)
@maxValue(20)
param eventHubThroughputUnits int = 1

@description('Resource ids of existing AKS clusters to stream, comma-separated (any resource group or subscription of the tenant, in this region).')
param aksClusterResourceIds string = ''

@description('Audit category the clusters stream: kube-audit (everything; needed for secret reads and exec over WebSockets) or kube-audit-admin (no get/list; cheaper).')
@allowed(['kube-audit', 'kube-audit-admin'])
param auditCategory string = 'kube-audit'

@description('Detection settings file for the Function, relative to the app root; empty for the defaults.')
param kubetrailConfigFile string = ''

@description('Most instances of the Function app (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 40

var tags = { 'azd-env-name': environmentName, application: 'kubetrail' }
var token = toLower(uniqueString(subscription().id, environmentName, location))
var resourceGroupName = 'rg-${environmentName}'

// One form for a new and an existing workspace: /subscriptions/<sub>/resourceGroups/<rg>/providers/.../workspaces/<name>
var workspaceId = empty(existingWorkspaceResourceId)
  ? '/subscriptions/${subscription().subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/log-${token}'
  : existingWorkspaceResourceId
var workspaceParts = split(workspaceId, '/')

var clusterIds = filter(map(split(aksClusterResourceIds, ','), id => trim(id)), id => !empty(id))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module eventHubs 'modules/eventhubs.bicep' = {
  name: 'kubetrail-eventhubs'
  scope: rg
  params: {
    namespaceName: 'evhns-kubetrail-${token}'
    location: location
    tags: tags
    partitionCount: eventHubPartitionCount
    throughputUnits: eventHubThroughputUnits
  }
}

module storage 'modules/storage.bicep' = {
  name: 'kubetrail-storage'
  scope: rg
  params: {
    name: 'stkt${token}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'kubetrail-monitoring'
  scope: rg
  params: {
    createWorkspace: empty(existingWorkspaceResourceId)
    workspaceSubscriptionId: workspaceParts[2]
    workspaceResourceGroupName: workspaceParts[4]
    workspaceName: workspaceParts[8]
    location: location
    workspaceRetentionInDays: workspaceRetentionInDays
    dataCollectionRuleName: 'dcr-kubetrail-${token}'
    tags: tags
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'kubetrail-functionapp'
  scope: rg
  params: {
    name: 'func-kubetrail-${token}'
    planName: 'plan-kubetrail-${token}'
    appInsightsName: 'appi-kubetrail-${token}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    tableEndpoint: storage.outputs.tableEndpoint
    eventHubFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubs.outputs.eventHubName
    consumerGroupName: eventHubs.outputs.consumerGroupName
    logsIngestionEndpoint: monitoring.outputs.logsIngestionEndpoint
    dataCollectionRuleImmutableId: monitoring.outputs.dataCollectionRuleImmutableId
    streamName: monitoring.outputs.streamName
    workspaceResourceId: monitoring.outputs.workspaceResourceId
    configFile: kubetrailConfigFile
    maximumInstanceCount: functionMaximumInstanceCount
  }
}

module roles 'modules/roles.bicep' = {
  name: 'kubetrail-roles'
  scope: rg
  params: {
    principalId: functionApp.outputs.principalId
    storageAccountName: storage.outputs.name
    eventHubNamespaceName: eventHubs.outputs.namespaceName
    eventHubName: eventHubs.outputs.eventHubName
    dataCollectionRuleName: monitoring.outputs.dataCollectionRuleName
    appInsightsName: functionApp.outputs.appInsightsName
  }
}

module sentinel 'modules/sentinel.bicep' = {
  name: 'kubetrail-sentinel'
  scope: resourceGroup(workspaceParts[2], workspaceParts[4])
  params: {
    workspaceName: workspaceParts[8]
    onboard: onboardSentinel
  }
  // The rule queries the incident table, which must exist first.
  dependsOn: [monitoring]
}

// One diagnostic setting per cluster, deployed in the cluster's own subscription and resource group.
module clusterDiagnostics 'modules/aksDiagnostics.bicep' = [
  for clusterId in clusterIds: {
    name: 'kubetrail-aks-${uniqueString(clusterId)}'
    scope: resourceGroup(split(clusterId, '/')[2], split(clusterId, '/')[4])
    params: {
      clusterName: last(split(clusterId, '/'))
      eventHubAuthorizationRuleId: eventHubs.outputs.diagnosticsAuthorizationRuleId
      eventHubName: eventHubs.outputs.eventHubName
      auditCategory: auditCategory
    }
  }
]

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = functionApp.outputs.name
output WORKSPACE_RESOURCE_ID string = monitoring.outputs.workspaceResourceId
// The Function's settings, under the names the Function and `replay --to-log-analytics` read.
output KUBETRAIL_INGESTION_ENDPOINT string = monitoring.outputs.logsIngestionEndpoint
output KUBETRAIL_DCR_ID string = monitoring.outputs.dataCollectionRuleImmutableId
output KUBETRAIL_STREAM string = monitoring.outputs.streamName
output KUBETRAIL_STATE string = storage.outputs.tableEndpoint
output EVENTHUB_NAMESPACE string = eventHubs.outputs.namespaceName
output EVENTHUB_NAME string = eventHubs.outputs.eventHubName
// For connecting clusters later (docs/deployment.md, "Connecting clusters").
output AKS_DIAGNOSTICS_AUTHORIZATION_RULE_ID string = eventHubs.outputs.diagnosticsAuthorizationRuleId
