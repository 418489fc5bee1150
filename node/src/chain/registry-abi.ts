import { Interface } from 'ethers'
import registryArtifact from '../../../contracts/artifacts/SupernodeRegistry.json' with { type: 'json' }

export const registryInterface = new Interface(registryArtifact.abi)
