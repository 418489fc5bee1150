// SPDX-License-Identifier: MIT
// Test-only: an ERC-20 with EIP-2612 Permit and the increaseAllowance that OpenZeppelin 5 dropped
// but many deployed tokens still have (drainers ask for it because wallets show it less clearly).
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

contract GuardToken is ERC20, ERC20Permit {
    constructor(address holder, uint256 supply) ERC20("Guard Token", "GT") ERC20Permit("Guard Token") {
        _mint(holder, supply);
    }

    function increaseAllowance(address spender, uint256 added) external returns (bool) {
        _approve(msg.sender, spender, allowance(msg.sender, spender) + added);
        return true;
    }
}
