// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/**
 * @title Terms of the supernode registry
 * @notice How long a membership lasts and how many members there may be at once, as governance (the
 * owner) sets them. RegistryMembership applies them at admission.
 * @dev The first state after Ownable's owner (they share its slot): SupernodeRegistry's storage layout
 * is the order of its parts, Terms, Bonds, Candidates, Membership, Engines.
 */
abstract contract RegistryTerms is Ownable {
    /// @notice Checkpoint value of a membership without a term.
    uint208 public constant NO_TERM = type(uint208).max;

    /// @notice Blocks a membership lasts from its (re-)admission; 0 means no term.
    uint48 public termBlocks;
    /// @notice Most members at once; 0 means no limit.
    uint32 public maxMembers;

    /// @notice Governance changed the term length (applies to admissions from now on).
    event TermBlocksSet(uint256 termBlocks);
    /// @notice Governance changed the maximum member count.
    event MaxMembersSet(uint256 maxMembers);

    /// @notice Term length for admissions from now on (0: memberships do not lapse).
    function setTermBlocks(uint48 blocks) external onlyOwner {
        termBlocks = blocks;
        emit TermBlocksSet(blocks);
    }

    /// @notice Most members at once (0: no limit); current members above a lowered limit stay.
    function setMaxMembers(uint32 count) external onlyOwner {
        maxMembers = count;
        emit MaxMembersSet(count);
    }
}
