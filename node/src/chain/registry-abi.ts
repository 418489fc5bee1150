import { Interface } from 'ethers'
import parametersArtifact from '../../../contracts/artifacts/NetworkParameters.json' with { type: 'json' }
import registryArtifact from '../../../contracts/artifacts/SupernodeRegistry.json' with { type: 'json' }

export const registryInterface = new Interface(registryArtifact.abi)

export const parametersInterface = new Interface(parametersArtifact.abi)
