// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {RegistryEngines} from "./registry/RegistryEngines.sol";
import {RegistryMembership} from "./registry/RegistryMembership.sol";

/**
 * @title VirusMap supernode registry
 * @notice Candidates register their libp2p peer id and X25519 key-wrapping key; the owner (the
 * TimelockController driven by the VirusMap Governor) admits and removes members, sets their terms,
 * the candidate bond and each member's engines. One concern per part, in src/registry/:
 * - RegistryTerms: term length and the most members at once;
 * - RegistryBonds: the candidate bond, its unbonding delay and its slashing (by governance or by evidence);
 * - RegistryCandidates: candidate records (peer id, X25519 key, metadata);
 * - RegistryMembership: membership checkpointed by block (admit, remove, resign; now and at a past block);
 * - RegistryEngines: each operator's engines, checkpointed by block.
 * @dev Readers and the other contracts depend on ISupernodeRegistry only. The parts' order is the
 * storage layout (no proxy holds it: every deployment is a fresh contract with its own storage).
 */
contract SupernodeRegistry is RegistryMembership, RegistryEngines {
    /// @param initialOwner The account allowed to admit and remove members (the TimelockController).
    constructor(address initialOwner) Ownable(initialOwner) {}
}
