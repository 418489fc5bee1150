// The compiled contract artifacts (written by contracts/scripts/build.ts at npm install).
import anchorsArtifact from '../../contracts/artifacts/ReportAnchors.json' with { type: 'json' }
import depositsArtifact from '../../contracts/artifacts/SubmissionDeposits.json' with { type: 'json' }
import evidenceArtifact from '../../contracts/artifacts/EquivocationEvidence.json' with { type: 'json' }
import marketArtifact from '../../contracts/artifacts/DataMarket.json' with { type: 'json' }
import rewardsArtifact from '../../contracts/artifacts/RewardsDistributor.json' with { type: 'json' }
import governorArtifact from '../../contracts/artifacts/VirusMapGovernor.json' with { type: 'json' }
import parametersArtifact from '../../contracts/artifacts/NetworkParameters.json' with { type: 'json' }
import registryArtifact from '../../contracts/artifacts/SupernodeRegistry.json' with { type: 'json' }
import timelockArtifact from '../../contracts/artifacts/TimelockController.json' with { type: 'json' }
import vestingArtifact from '../../contracts/artifacts/VestingWallet.json' with { type: 'json' }
import vmtArtifact from '../../contracts/artifacts/VMT.json' with { type: 'json' }

export { anchorsArtifact, depositsArtifact, evidenceArtifact, governorArtifact, marketArtifact, parametersArtifact, registryArtifact, rewardsArtifact, timelockArtifact, vestingArtifact, vmtArtifact }
