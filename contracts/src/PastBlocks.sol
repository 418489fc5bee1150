// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/**
 * @title Lookups at past blocks
 * @notice The one check that a block-keyed lookup (a checkpoint of membership, engines or a network
 * parameter) asks about a past block, for SupernodeRegistry and NetworkParameters.
 * @dev Like OpenZeppelin's Votes.getPastVotes: the current block is not past yet, since a later
 * transaction in it may still change the answer.
 */
library PastBlocks {
    /// @dev A lookup at `blockNumber`, which is the current block or a later one, so not final yet.
    error PastBlocksFutureLookup(uint256 blockNumber, uint48 currentBlock);

    /// @dev `blockNumber` as a checkpoint key; reverts PastBlocksFutureLookup unless it is a past block.
    function checkpointKey(uint256 blockNumber) internal view returns (uint48) {
        uint48 current = Time.blockNumber();
        if (blockNumber >= current) {
            revert PastBlocksFutureLookup(blockNumber, current);
        }
        return uint48(blockNumber);
    }
}
