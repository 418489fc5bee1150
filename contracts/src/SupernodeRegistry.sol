// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/**
 * @title VirusMap supernode registry
 * @notice Candidates register their libp2p peer id and X25519 key-wrapping key; the owner (the
 * TimelockController driven by the VirusMap Governor) admits and removes members.
 * @dev Membership is checkpointed per operator by block number, so "was X a member at block B"
 * stays answerable after later changes: scan jobs name the block whose membership they run under,
 * and light clients check verdict signers against it.
 */
contract SupernodeRegistry is Ownable {
    using Checkpoints for Checkpoints.Trace208;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Longest accepted libp2p peer id string (base58 / CID text forms are far shorter).
    uint256 public constant MAX_PEER_ID_LENGTH = 128;
    /// @notice Longest accepted metadata URI.
    uint256 public constant MAX_METADATA_URI_LENGTH = 512;

    struct Candidate {
        string peerId;
        bytes32 x25519Key;
        string metadataURI;
        uint64 registeredAt;
    }

    mapping(address operator => Candidate) private _candidates;
    mapping(address operator => Checkpoints.Trace208) private _membership;
    EnumerableSet.AddressSet private _members;
    // Every operator ever admitted, in order of first admission: membersAt scans it.
    address[] private _everAdmitted;
    mapping(address operator => bool) private _wasAdmitted;

    /// @notice An operator registered or updated its candidate record.
    event CandidateRegistered(address indexed operator, string peerId, bytes32 x25519Key, string metadataURI);
    /// @notice An operator became a member.
    event MemberAdmitted(address indexed operator);
    /// @notice An operator stopped being a member.
    event MemberRemoved(address indexed operator);

    /// @dev The peer id is empty or longer than MAX_PEER_ID_LENGTH bytes.
    error SupernodeRegistryInvalidPeerId(uint256 length);
    /// @dev The X25519 public key is zero.
    error SupernodeRegistryInvalidX25519Key();
    /// @dev The metadata URI is longer than MAX_METADATA_URI_LENGTH bytes.
    error SupernodeRegistryInvalidMetadataURI(uint256 length);
    /// @dev The operator has not registered as a candidate.
    error SupernodeRegistryNotCandidate(address operator);
    /// @dev The operator is already a member.
    error SupernodeRegistryAlreadyMember(address operator);
    /// @dev The operator is not a member.
    error SupernodeRegistryNotMember(address operator);
    /// @dev Membership at a block that is not yet final was asked for (same rule as ERC-5805).
    error SupernodeRegistryFutureLookup(uint256 blockNumber, uint48 currentBlock);

    /// @param initialOwner The account allowed to admit and remove members (the TimelockController).
    constructor(address initialOwner) Ownable(initialOwner) {}

    /**
     * @notice Registers the caller as a candidate, or updates its record (key rotation).
     * @param peerId libp2p peer id of the supernode, as text.
     * @param x25519Key X25519 public key members wrap sample keys to.
     * @param metadataURI Optional pointer to operator metadata (may be empty).
     */
    function register(string calldata peerId, bytes32 x25519Key, string calldata metadataURI) external {
        uint256 peerIdLength = bytes(peerId).length;
        if (peerIdLength == 0 || peerIdLength > MAX_PEER_ID_LENGTH) {
            revert SupernodeRegistryInvalidPeerId(peerIdLength);
        }
        if (x25519Key == bytes32(0)) {
            revert SupernodeRegistryInvalidX25519Key();
        }
        uint256 uriLength = bytes(metadataURI).length;
        if (uriLength > MAX_METADATA_URI_LENGTH) {
            revert SupernodeRegistryInvalidMetadataURI(uriLength);
        }
        _candidates[msg.sender] = Candidate(peerId, x25519Key, metadataURI, uint64(block.number));
        emit CandidateRegistered(msg.sender, peerId, x25519Key, metadataURI);
    }

    /// @notice Makes a registered candidate a member from the current block on.
    function admit(address operator) external onlyOwner {
        if (_candidates[operator].registeredAt == 0) {
            revert SupernodeRegistryNotCandidate(operator);
        }
        if (!_members.add(operator)) {
            revert SupernodeRegistryAlreadyMember(operator);
        }
        if (!_wasAdmitted[operator]) {
            _wasAdmitted[operator] = true;
            _everAdmitted.push(operator);
        }
        _membership[operator].push(Time.blockNumber(), 1);
        emit MemberAdmitted(operator);
    }

    /// @notice Ends a membership from the current block on; the candidate record is kept.
    function remove(address operator) external onlyOwner {
        if (!_members.remove(operator)) {
            revert SupernodeRegistryNotMember(operator);
        }
        _membership[operator].push(Time.blockNumber(), 0);
        emit MemberRemoved(operator);
    }

    /// @notice Whether `operator` is a member now.
    function isMember(address operator) external view returns (bool) {
        return _members.contains(operator);
    }

    /// @notice Whether `operator` was a member at the end of block `blockNumber` (a past block).
    function isMemberAt(address operator, uint256 blockNumber) external view returns (bool) {
        uint48 key = _pastBlock(blockNumber);
        return _membership[operator].upperLookupRecent(key) == 1;
    }

    /// @notice Members at the end of block `blockNumber` (a past block), in order of first admission.
    function membersAt(uint256 blockNumber) external view returns (address[] memory) {
        uint48 key = _pastBlock(blockNumber);
        uint256 total = _everAdmitted.length;
        address[] memory result = new address[](total);
        uint256 count = 0;
        for (uint256 i = 0; i < total; ++i) {
            address operator = _everAdmitted[i];
            if (_membership[operator].upperLookupRecent(key) == 1) {
                result[count++] = operator;
            }
        }
        // Shrink the array in place to the members found.
        assembly ("memory-safe") {
            mstore(result, count)
        }
        return result;
    }

    /// @notice Current members (order not guaranteed across removals).
    function members() external view returns (address[] memory) {
        return _members.values();
    }

    /// @notice The candidate record of `operator`; registeredAt is 0 if it never registered.
    function candidate(address operator)
        external
        view
        returns (string memory peerId, bytes32 x25519Key, string memory metadataURI, uint64 registeredAt)
    {
        Candidate storage c = _candidates[operator];
        return (c.peerId, c.x25519Key, c.metadataURI, c.registeredAt);
    }

    function _pastBlock(uint256 blockNumber) private view returns (uint48) {
        uint48 current = Time.blockNumber();
        if (blockNumber >= current) {
            revert SupernodeRegistryFutureLookup(blockNumber, current);
        }
        return uint48(blockNumber);
    }
}
