// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {PastBlocks} from "../PastBlocks.sol";
import {RegistryCandidates} from "./RegistryCandidates.sol";

/**
 * @title Membership of the supernode registry
 * @notice Governance admits and removes members; a member may resign; re-admitting a member renews
 * its term.
 * @dev Membership is checkpointed per operator by block number, so "was X a member at block B"
 * stays answerable after later changes: scan jobs name the block whose membership they run under,
 * and light clients check verdict signers against it. A checkpoint's value is the block at which
 * that membership lapses (exclusive; NO_TERM when governance set no term, 0 when not a member),
 * so a term ends at its block with no transaction, and history stays exact.
 */
abstract contract RegistryMembership is RegistryCandidates {
    using Checkpoints for Checkpoints.Trace208;
    using EnumerableSet for EnumerableSet.AddressSet;

    /**
     * @notice Most operators ever admitted. membersAt walks every one of them and admit's member count
     * and members() walk the member set (a subset): this bounds their gas (see the gas notes there).
     * A re-admission or a renewed term does not count again.
     */
    uint256 public constant MAX_ADMITTED = 512;

    mapping(address operator => Checkpoints.Trace208) private _membership;
    EnumerableSet.AddressSet private _members;
    // Every operator ever admitted, in order of first admission: membersAt scans it.
    address[] private _everAdmitted;
    mapping(address operator => bool) private _wasAdmitted;

    /// @dev The operator is already a member.
    error SupernodeRegistryAlreadyMember(address operator);
    /// @dev The operator is not a member.
    error SupernodeRegistryNotMember(address operator);
    /// @dev Admitting would exceed maxMembers.
    error SupernodeRegistryFull(uint256 maxMembers);
    /// @dev MAX_ADMITTED operators were admitted already; a new one cannot be (one admitted before can).
    error SupernodeRegistryAdmissionsExhausted(uint256 maxAdmitted);

    /**
     * @notice Makes a registered candidate a member from the current block on, for termBlocks
     * blocks when a term is set. Re-admitting a current member renews its term (a re-election);
     * without terms it reverts SupernodeRegistryAlreadyMember.
     */
    function admit(address operator) external onlyOwner {
        _requireCandidate(operator);
        _requireBond(operator);
        bool active = _isActive(operator);
        if (active && termBlocks == 0) {
            revert SupernodeRegistryAlreadyMember(operator);
        }
        uint48 current = Time.blockNumber();
        uint208 end = termBlocks == 0 ? NO_TERM : uint208(current) + termBlocks;
        if (!active) {
            if (maxMembers != 0 && _activeCount() >= maxMembers) {
                revert SupernodeRegistryFull(maxMembers);
            }
            if (!_wasAdmitted[operator] && _everAdmitted.length >= MAX_ADMITTED) {
                revert SupernodeRegistryAdmissionsExhausted(MAX_ADMITTED);
            }
            // A lapsed member may still sit in the set.
            _members.add(operator);
            if (!_wasAdmitted[operator]) {
                _wasAdmitted[operator] = true;
                _everAdmitted.push(operator);
            }
            _membership[operator].push(current, end);
            emit MemberAdmitted(operator);
        } else {
            _membership[operator].push(current, end);
        }
        emit MemberTermSet(operator, end);
    }

    /// @notice Ends a membership from the current block on; the candidate record is kept.
    function remove(address operator) external onlyOwner {
        _end(operator);
    }

    /// @notice The caller, a member, leaves from the current block on.
    function resign() external {
        _end(msg.sender);
    }

    /// @notice Whether `operator` was ever admitted (its signatures as a member can be evidence).
    function wasAdmitted(address operator) external view returns (bool) {
        return _wasAdmitted[operator];
    }

    /// @notice Block at which the current membership of `operator` lapses; 0 if not a member, NO_TERM if it has no term.
    function termEnd(address operator) external view returns (uint256) {
        return _isActive(operator) ? _membership[operator].latest() : 0;
    }

    /// @notice Whether `operator` is a member now.
    function isMember(address operator) external view returns (bool) {
        return _isActive(operator);
    }

    /// @notice Whether `operator` was a member at the end of block `blockNumber` (a past block).
    function isMemberAt(address operator, uint256 blockNumber) external view returns (bool) {
        uint48 key = PastBlocks.checkpointKey(blockNumber);
        return _membership[operator].upperLookupRecent(key) > key;
    }

    /**
     * @notice Members at the end of block `blockNumber` (a past block), in order of first admission.
     * @dev Gas: one array read and one checkpoint lookup per operator ever admitted (at most
     * MAX_ADMITTED): about 7,800 gas each, 4.0M at the bound (supernode-registry-bound.e2e.test.ts).
     */
    function membersAt(uint256 blockNumber) external view returns (address[] memory) {
        uint48 key = PastBlocks.checkpointKey(blockNumber);
        uint256 total = _everAdmitted.length;
        address[] memory result = new address[](total);
        uint256 count = 0;
        for (uint256 i = 0; i < total; ++i) {
            address operator = _everAdmitted[i];
            if (_membership[operator].upperLookupRecent(key) > key) {
                result[count++] = operator;
            }
        }
        // Shrink the array in place to the members found.
        assembly ("memory-safe") {
            mstore(result, count)
        }
        return result;
    }

    /**
     * @notice Current members, lapsed terms excluded (order not guaranteed across removals).
     * @dev Walks the member set, lapsed members included until removed or re-admitted: at most
     * MAX_ADMITTED, about 4.9M gas at the bound.
     */
    function members() external view returns (address[] memory) {
        address[] memory all = _members.values();
        uint256 count = 0;
        for (uint256 i = 0; i < all.length; ++i) {
            if (_isActive(all[i])) {
                all[count++] = all[i];
            }
        }
        assembly ("memory-safe") {
            mstore(all, count)
        }
        return all;
    }

    function _isActive(address operator) internal view override returns (bool) {
        return _members.contains(operator) && _membership[operator].latest() > Time.blockNumber();
    }

    function _membershipEnd(address operator) internal view override returns (bool admitted, uint256 end) {
        (bool exists, uint48 key, uint208 value) = _membership[operator].latestCheckpoint();
        if (!exists) {
            return (false, 0);
        }
        // 0: removed or resigned at `key`; otherwise the term's (possibly future) end, or NO_TERM.
        return (true, value == 0 ? uint256(key) : uint256(value));
    }

    function _end(address operator) internal override {
        if (!_isActive(operator)) {
            revert SupernodeRegistryNotMember(operator);
        }
        _members.remove(operator);
        _membership[operator].push(Time.blockNumber(), 0);
        emit MemberRemoved(operator);
    }

    /// @dev Walks the member set (at most MAX_ADMITTED, lapsed members included): admit pays it when
    /// maxMembers is set, about 5.0M gas at the bound.
    function _activeCount() private view returns (uint256 count) {
        uint256 total = _members.length();
        for (uint256 i = 0; i < total; ++i) {
            if (_isActive(_members.at(i))) {
                ++count;
            }
        }
    }
}
