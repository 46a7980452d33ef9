// Parameters of main.bicep. Edit the cluster, the Prometheus address and the optional Azure Monitor
// workspace, then: az deployment group create -g <rg> --template-file infra/main.bicep --parameters infra/main.bicepparam
// Secrets come from the environment at deployment time (empty when unset).
using 'main.bicep'

param namePrefix = 'flagger'

param aksClusterName = 'aks-prod'
param aksResourceGroup = 'rg-aks-prod'

// kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}'
param kubernetesCertificateAuthorityData = readEnvironmentVariable('FLAGGER_AKS_CA_DATA', '')

// Azure Monitor managed Prometheus: the workspace's query endpoint (an Entra token is sent automatically).
param prometheusAddress = 'https://amw-prod-abcd.westeurope.prometheus.monitor.azure.com'
param azureMonitorWorkspaceName = 'amw-prod'
param azureMonitorWorkspaceResourceGroup = 'rg-monitoring'

// Network: none, the app reaches public endpoints only (the API server's public FQDN, the Azure Monitor
// query endpoint). For a private cluster or in-cluster endpoints see main.vnet.bicepparam.
param networkMode = 'None'

param taskHubName = 'flagger'
param sweepSchedule = '*/30 * * * * *'

// Leave empty to own every Canary; set during a migration to run beside Flagger.
param watchNamespaces = ''
param canaryLabelSelector = ''

// Targets Flux or Argo CD apply from Git are left to the Git change ('skip'); 'patch' deploys pushes to them anyway.
param gitOpsTargets = 'skip'
param gitOpsLabels = ''

param slackUrl = readEnvironmentVariable('FLAGGER_SLACK_URL', '')
param teamsUrl = readEnvironmentVariable('FLAGGER_TEAMS_URL', '')
