// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {PastBlocks} from "../PastBlocks.sol";
import {RegistryCandidates} from "./RegistryCandidates.sol";

/**
 * @title Engines of the supernode registry
 * @notice Governance declares each operator's engines (the exact `EngineResult.engine` strings its
 * verdicts carry), checkpointed by block like membership, so only results from engines registered
 * to a verdict's signer at the job's membership block count.
 */
abstract contract RegistryEngines is RegistryCandidates {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Most engines one operator may declare.
    uint256 public constant MAX_ENGINES = 64;
    /// @notice Longest engine id, in bytes.
    uint256 public constant MAX_ENGINE_ID_LENGTH = 64;

    // Every engine list governance set per operator, in order; a checkpoint holds its index + 1 (0: none).
    mapping(address operator => string[][]) private _engineLists;
    mapping(address operator => Checkpoints.Trace208) private _engineHistory;

    /// @dev Engine id `index` is empty, longer than MAX_ENGINE_ID_LENGTH or outside [A-Za-z0-9][A-Za-z0-9 ._+-]*.
    error SupernodeRegistryInvalidEngineId(uint256 index);
    /// @dev More than MAX_ENGINES engine ids.
    error SupernodeRegistryTooManyEngines(uint256 count);
    /// @dev Engine id `index` repeats an earlier one.
    error SupernodeRegistryDuplicateEngine(uint256 index);

    /**
     * @notice Declares the engines `operator` runs from the current block on, replacing its earlier
     * list (an empty list withdraws them all). Ids are the exact engine names its verdicts carry.
     * @dev The list is kept in the order given; duplicates are refused so that one engine cannot
     * count twice.
     */
    function setEngines(address operator, string[] calldata engineIds) external onlyOwner {
        _requireCandidate(operator);
        uint256 count = engineIds.length;
        if (count > MAX_ENGINES) {
            revert SupernodeRegistryTooManyEngines(count);
        }
        // The list goes into storage as it is checked (a nested calldata array cannot be copied whole).
        string[] storage list = _engineLists[operator].push();
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            if (!_isEngineId(bytes(engineIds[i]))) {
                revert SupernodeRegistryInvalidEngineId(i);
            }
            hashes[i] = keccak256(bytes(engineIds[i]));
            for (uint256 j = 0; j < i; ++j) {
                if (hashes[j] == hashes[i]) {
                    revert SupernodeRegistryDuplicateEngine(i);
                }
            }
            list.push(engineIds[i]);
        }
        _engineHistory[operator].push(Time.blockNumber(), uint208(_engineLists[operator].length));
        emit EnginesSet(operator, engineIds);
    }

    /// @notice The engines `operator` runs now, as governance last set them (empty if never set).
    function engines(address operator) external view returns (string[] memory) {
        return _engineList(operator, _engineHistory[operator].latest());
    }

    /// @notice The engines `operator` ran at the end of block `blockNumber` (a past block).
    function enginesAt(address operator, uint256 blockNumber) external view returns (string[] memory) {
        return _engineList(operator, _engineHistory[operator].upperLookupRecent(PastBlocks.checkpointKey(blockNumber)));
    }

    function _engineList(address operator, uint208 index) private view returns (string[] memory) {
        return index == 0 ? new string[](0) : _engineLists[operator][index - 1];
    }

    /// @dev 1..MAX_ENGINE_ID_LENGTH bytes of [A-Za-z0-9 ._+-], the first one alphanumeric.
    function _isEngineId(bytes memory id) private pure returns (bool) {
        uint256 length = id.length;
        if (length == 0 || length > MAX_ENGINE_ID_LENGTH) {
            return false;
        }
        for (uint256 i = 0; i < length; ++i) {
            bytes1 c = id[i];
            bool alphanumeric = (c >= "0" && c <= "9") || (c >= "A" && c <= "Z") || (c >= "a" && c <= "z");
            if (!alphanumeric && (i == 0 || (c != " " && c != "." && c != "_" && c != "+" && c != "-"))) {
                return false;
            }
        }
        return true;
    }
}
