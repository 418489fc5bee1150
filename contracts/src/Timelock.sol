// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Imported only so that the build emits OpenZeppelin's TimelockController artifact unchanged:
// the Governor queues through it and it owns the SupernodeRegistry.
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
