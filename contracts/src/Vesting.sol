// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Imported only so that the build emits OpenZeppelin's VestingWallet artifact unchanged:
// `virusmap deploy` gives each contributor's VMT allocation to one, vesting linearly.
import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
