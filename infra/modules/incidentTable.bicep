// The custom table kubetrail's incidents land in, on the workspace (deployed in the workspace's resource group,
// which may be another one or in another subscription). Its columns come from the generated file, which
// scripts/generateIncidentColumns.ts writes from the incident row schema; a test keeps the two equal.

@description('Name of the Log Analytics workspace, in this resource group.')
param workspaceName string

var incidentColumns = loadJsonContent('../generated/incidentColumns.json')

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource table 'Microsoft.OperationalInsights/workspaces/tables@2023-09-01' = {
  parent: workspace
  name: incidentColumns.tableName
  properties: {
    // Analytics: the plan Sentinel scheduled rules query; incidents are few, so its price per GB hardly matters.
    plan: 'Analytics'
    // No retention of its own: the table keeps the workspace's.
    schema: {
      name: incidentColumns.tableName
      description: 'kubetrail incidents: one row per revision; a later row with the same IncidentId supersedes an earlier one.'
      columns: incidentColumns.tableColumns
    }
  }
}

output tableName string = table.name
output workspaceLocation string = workspace.location
