// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/**
 * @title VirusMap Token
 * @notice Governance token of VirusMap: holders delegate and vote on who is a supernode.
 * @dev The whole supply is minted once at deployment; there is no mint function afterwards, so
 * the supply is fixed. Votes are checkpointed by block number (ERC-6372 default clock).
 */
contract VMT is ERC20, ERC20Permit, ERC20Votes {
    /**
     * @param recipient Account receiving the whole supply.
     * @param supply Total supply, in wei units (18 decimals).
     */
    constructor(address recipient, uint256 supply) ERC20("VirusMap Token", "VMT") ERC20Permit("VirusMap Token") {
        _mint(recipient, supply);
    }

    /// @inheritdoc ERC20
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
