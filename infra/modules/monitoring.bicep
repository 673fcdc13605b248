// Log Analytics: the workspace (a new one, or an existing one anywhere by resource id), the incident table, and
// the data collection rule the Function uploads incidents through (Logs Ingestion API, kind Direct: the rule has
// its own logsIngestion endpoint, no data collection endpoint needed).

@description('True to create the workspace in this resource group; false to use an existing one.')
param createWorkspace bool

@description('Subscription, resource group and name of the workspace (the new one, or the existing one).')
param workspaceSubscriptionId string
param workspaceResourceGroupName string
param workspaceName string

@description('Region of a new workspace.')
param location string

@description('Days a new workspace keeps data.')
@minValue(30)
@maxValue(730)
param workspaceRetentionInDays int = 90

@description('Name of the data collection rule.')
param dataCollectionRuleName string

param tags object = {}

var incidentColumns = loadJsonContent('../generated/incidentColumns.json')
var workspaceResourceId = resourceId(workspaceSubscriptionId, workspaceResourceGroupName, 'Microsoft.OperationalInsights/workspaces', workspaceName)

resource newWorkspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = if (createWorkspace) {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: workspaceRetentionInDays
    features: { enableLogAccessUsingOnlyResourcePermissions: true }
  }
}

module incidentTable 'incidentTable.bicep' = {
  name: 'kubetrail-incident-table'
  scope: resourceGroup(workspaceSubscriptionId, workspaceResourceGroupName)
  params: { workspaceName: workspaceName }
  dependsOn: [newWorkspace]
}

resource dataCollectionRule 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: dataCollectionRuleName
  // A rule sends to a workspace in its own region.
  location: incidentTable.outputs.workspaceLocation
  kind: 'Direct'
  tags: tags
  properties: {
    description: 'kubetrail incidents to ${incidentColumns.tableName} (Logs Ingestion API).'
    streamDeclarations: {
      '${incidentColumns.streamName}': { columns: incidentColumns.streamColumns }
    }
    destinations: {
      logAnalytics: [{ name: 'incidentWorkspace', workspaceResourceId: workspaceResourceId }]
    }
    dataFlows: [
      {
        streams: [incidentColumns.streamName]
        destinations: ['incidentWorkspace']
        // Rows arrive exactly as the table wants them (TimeGenerated included): no transformation.
        transformKql: 'source'
        outputStream: 'Custom-${incidentColumns.tableName}'
      }
    ]
  }
}

output workspaceResourceId string = workspaceResourceId
output dataCollectionRuleName string = dataCollectionRule.name
output logsIngestionEndpoint string = dataCollectionRule.properties.endpoints.logsIngestion
output dataCollectionRuleImmutableId string = dataCollectionRule.properties.immutableId
output streamName string = incidentColumns.streamName
output tableName string = incidentTable.outputs.tableName
