// Microsoft Sentinel on the workspace: onboarding, the analytics rule that turns kubetrail incident rows into
// Sentinel incidents, and the hunting queries. Deployed in the workspace's resource group.

@description('Name of the Log Analytics workspace, in this resource group.')
param workspaceName string

@description('Enable Microsoft Sentinel on the workspace. False when the workspace already has it.')
param onboard bool = true

@description('How often the rule runs, and the window it reads (equal, so that each row is read once).')
param queryFrequency string = 'PT5M'

@description('Alerts of one IncidentId created within this time join the same Sentinel incident (at most P7D).')
param groupingLookback string = 'P1D'

@description('Reopen a closed Sentinel incident when a new revision of its kubetrail incident arrives.')
param reopenClosedIncidents bool = false

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource onboarding 'Microsoft.SecurityInsights/onboardingStates@2025-09-01' = if (onboard) {
  scope: workspace
  name: 'default'
  properties: {}
}

resource incidentRule 'Microsoft.SecurityInsights/alertRules@2025-09-01' = {
  scope: workspace
  name: guid(workspace.id, 'kubetrail-incidents')
  kind: 'Scheduled'
  properties: {
    displayName: 'kubetrail: attack on a Kubernetes API server'
    description: 'kubetrail detected an attack in the audit log of an AKS cluster (anonymous access, secret enumeration, RBAC binding changes, pod exec). Each kubetrail incident becomes one Sentinel incident; its later revisions join it.'
    enabled: true
    query: loadTextContent('../kql/rules/kubetrail-incidents.kql')
    queryFrequency: queryFrequency
    queryPeriod: queryFrequency
    triggerOperator: 'GreaterThan'
    triggerThreshold: 0
    suppressionEnabled: false
    suppressionDuration: 'PT5H'
    // Defaults; each alert takes its severity and tactics from its row (alertDetailsOverride).
    severity: 'Medium'
    tactics: ['Reconnaissance', 'InitialAccess', 'Execution', 'Persistence', 'PrivilegeEscalation', 'DefenseEvasion', 'CredentialAccess', 'Discovery', 'LateralMovement', 'Collection', 'CommandAndControl', 'Impact']
    alertDetailsOverride: {
      alertDisplayNameFormat: '{{Title}}'
      alertDescriptionFormat: '{{Description}}'
      alertSeverityColumnName: 'Severity'
      alertTacticsColumnName: 'TacticsText'
      alertDynamicProperties: [
        { alertProperty: 'ProductComponentName', value: 'DetectionId' }
        { alertProperty: 'Techniques', value: 'TechniquesText' }
      ]
    }
    entityMappings: [
      { entityType: 'Account', fieldMappings: [{ identifier: 'FullName', columnName: 'Actor' }] }
      { entityType: 'IP', fieldMappings: [{ identifier: 'Address', columnName: 'SourceIp' }] }
      { entityType: 'AzureResource', fieldMappings: [{ identifier: 'ResourceId', columnName: 'ClusterResourceId' }] }
    ]
    customDetails: {
      IncidentId: 'IncidentId'
      Revision: 'Revision'
      DetectionId: 'DetectionId'
      Cluster: 'ClusterName'
      ActorType: 'ActorType'
      Namespaces: 'Namespaces'
      Targets: 'Targets'
      SourceIps: 'SourceIps'
      EventCount: 'EventCount'
      FirstSeen: 'FirstSeen'
      LastSeen: 'LastSeen'
    }
    eventGroupingSettings: { aggregationKind: 'AlertPerResult' }
    incidentConfiguration: {
      createIncident: true
      groupingConfiguration: {
        enabled: true
        matchingMethod: 'Selected'
        groupByCustomDetails: ['IncidentId']
        lookbackDuration: groupingLookback
        reopenClosedIncident: reopenClosedIncidents
      }
    }
  }
  dependsOn: [onboarding]
}

var huntingQueries = [
  {
    id: 'latest-revision-per-incident'
    title: 'Latest revision of each incident'
    tactics: ''
    query: loadTextContent('../kql/hunting/latest-revision-per-incident.kql')
  }
  {
    id: 'incident-revision-history'
    title: 'Revision history of one incident'
    tactics: ''
    query: loadTextContent('../kql/hunting/incident-revision-history.kql')
  }
  {
    id: 'incidents-by-actor-over-time'
    title: 'Incidents by actor over time'
    tactics: ''
    query: loadTextContent('../kql/hunting/incidents-by-actor-over-time.kql')
  }
  {
    id: 'actor-across-detections'
    title: 'One actor across several detections'
    tactics: 'InitialAccess,Discovery,CredentialAccess,Persistence,PrivilegeEscalation,Execution'
    query: loadTextContent('../kql/hunting/actor-across-detections.kql')
  }
  {
    id: 'anonymous-access-with-writes'
    title: 'Anonymous requests allowed to write'
    tactics: 'InitialAccess'
    query: loadTextContent('../kql/hunting/anonymous-access-with-writes.kql')
  }
  {
    id: 'exec-targets'
    title: 'Pods exec\'d into, by target'
    tactics: 'Execution'
    query: loadTextContent('../kql/hunting/exec-targets.kql')
  }
  {
    id: 'binding-changes-by-subject'
    title: 'RBAC binding changes by subject'
    tactics: 'Persistence,PrivilegeEscalation'
    query: loadTextContent('../kql/hunting/binding-changes-by-subject.kql')
  }
]

// Saved searches in the "Hunting Queries" category are Sentinel's hunting queries.
resource hunting 'Microsoft.OperationalInsights/workspaces/savedSearches@2023-09-01' = [
  for q in huntingQueries: {
    parent: workspace
    name: 'kubetrail-${q.id}'
    properties: {
      category: 'Hunting Queries'
      displayName: 'kubetrail: ${q.title}'
      query: q.query
      version: 2
      tags: concat([{ name: 'description', value: 'kubetrail incident table KubetrailIncidents_CL' }], empty(q.tactics) ? [] : [{ name: 'tactics', value: q.tactics }])
    }
  }
]

output ruleName string = incidentRule.name
