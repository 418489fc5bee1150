// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {PastBlocks} from "./PastBlocks.sol";

/**
 * @title VirusMap network parameters
 * @notice Protocol settings every supernode follows (commit and reveal windows, quorum rule
 * inputs, maximum sample size, reward budget per epoch), changed only by the owner: the
 * TimelockController the Governor drives.
 * @dev Keys are short names as bytes32 (ethers encodeBytes32String("commitWindowMs")). Values are
 * checkpointed by block, so a node applies a change to jobs created from the block it took effect
 * and anyone can ask what a parameter was at a past block.
 */
contract NetworkParameters is Ownable {
    using Checkpoints for Checkpoints.Trace208;

    mapping(bytes32 key => Checkpoints.Trace208) private _values;
    bytes32[] private _keys;
    mapping(bytes32 key => bool) private _known;

    /// @notice `key` holds `value` from this block on.
    event ParameterSet(bytes32 indexed key, uint256 value);

    /// @dev The key was never set.
    error NetworkParametersUnknownKey(bytes32 key);
    /// @dev Initial keys and values differ in length.
    error NetworkParametersLengthMismatch();

    constructor(address initialOwner, bytes32[] memory keys_, uint208[] memory values_) Ownable(initialOwner) {
        if (keys_.length != values_.length) {
            revert NetworkParametersLengthMismatch();
        }
        for (uint256 i = 0; i < keys_.length; ++i) {
            _set(keys_[i], values_[i]);
        }
    }

    /// @notice Sets `key` to `value` from the current block on (owner only).
    function set(bytes32 key, uint208 value) external onlyOwner {
        _set(key, value);
    }

    /// @notice The current value of `key`.
    function get(bytes32 key) external view returns (uint256) {
        if (!_known[key]) {
            revert NetworkParametersUnknownKey(key);
        }
        return _values[key].latest();
    }

    /**
     * @notice The value of `key` at the end of past block `blockNumber` (0 if it was not yet set).
     * @dev Reverts PastBlocks.PastBlocksFutureLookup for the current block or a later one.
     */
    function getAt(bytes32 key, uint256 blockNumber) external view returns (uint256) {
        return _values[key].upperLookupRecent(PastBlocks.checkpointKey(blockNumber));
    }

    /// @notice Every key ever set, in order of first setting.
    function keys() external view returns (bytes32[] memory) {
        return _keys;
    }

    function _set(bytes32 key, uint208 value) private {
        if (!_known[key]) {
            _known[key] = true;
            _keys.push(key);
        }
        _values[key].push(Time.blockNumber(), value);
        emit ParameterSet(key, value);
    }
}
