import { Interface } from 'ethers'
import parametersArtifact from '../../../contracts/artifacts/NetworkParameters.json' with { type: 'json' }
// the interface, not SupernodeRegistry: the node follows the membership events every registry emits
import registryArtifact from '../../../contracts/artifacts/ISupernodeRegistry.json' with { type: 'json' }

export const registryInterface = new Interface(registryArtifact.abi)

export const parametersInterface = new Interface(parametersArtifact.abi)
