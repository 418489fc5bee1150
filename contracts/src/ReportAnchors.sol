// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {MemberQuorum} from "./MemberQuorum.sol";
import {NetworkParameters} from "./NetworkParameters.sol";
import {ISupernodeRegistry} from "./ISupernodeRegistry.sol";

/**
 * @title VirusMap report anchors
 * @notice Final reports are anchored per epoch (protocol/SPEC.md section 15): a Merkle root over one
 * OpenZeppelin StandardMerkleTree leaf per report, posted once per epoch by anyone holding the
 * EIP-712 `EpochRoot` signatures of a quorum of the members at the epoch's first block. The first
 * root posted for an epoch stands; a light client proves a report's leaf against it with `verify`.
 * @dev Epoch `e` is the blocks [e*E, (e+1)*E), with E the `epochBlocks` network parameter read once at
 * deployment and immutable here, so epoch numbers never move (another E needs another contract).
 * Digests are the protocol's (SPEC section 4): EIP-712 under the domain {name "VirusMap", version "2",
 * chainId, verifyingContract = the registry}, built here for the registry's address as in
 * EquivocationEvidence. Signatures are r || s || v with v 27/28 and low s (OpenZeppelin's ECDSA), the
 * protocol's one spelling of a member's signature. The quorum is SPEC section 7's
 * quorum(n, d) = n - floor((n - 1) / d), with n the members at e*E and d the `quorumFaultDivisor`
 * in force at e*E, read as protocol/src/quorum.ts reads it (faultDivisorFrom: 3 unless an integer
 * >= 2 that a JavaScript number holds exactly).
 */
contract ReportAnchors {
    struct Anchor {
        bytes32 root;
        uint32 leafCount;
        uint64 anchoredAt;
    }

    bytes32 private constant EPOCH_ROOT_TYPEHASH = keccak256("EpochRoot(uint64 epoch,bytes32 root,uint32 leafCount)");
    /// @dev NetworkParameters keys: short names as bytes32, left-aligned (ethers encodeBytes32String).
    bytes32 private constant EPOCH_BLOCKS_KEY = "epochBlocks";
    bytes32 private constant MAX_JOB_AGE_KEY = "maxJobAgeBlocks";
    /// @dev protocol/src/job-age.js: the bound when unset or outside [MIN, MAX] (maxJobAgeBlocksFrom).
    uint256 private constant DEFAULT_MAX_JOB_AGE_BLOCKS = 7200;
    uint256 private constant MIN_MAX_JOB_AGE_BLOCKS = 16;
    uint256 private constant MAX_MAX_JOB_AGE_BLOCKS = 1_000_000;

    /// @notice The registry whose members sign the roots (and whose address the EIP-712 domain names).
    ISupernodeRegistry public immutable registry;
    /// @notice The network parameters the quorum divisor is read from.
    NetworkParameters public immutable parameters;

    uint256 private immutable _epochBlocks;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;
    mapping(uint64 epoch => Anchor) private _anchors;

    /// @notice `submitter` anchored `root` over `leafCount` reports for `epoch`.
    event EpochAnchored(uint64 indexed epoch, bytes32 root, uint32 leafCount, address indexed submitter);

    /// @dev The `epochBlocks` parameter is 0 or larger than a block number (uint48).
    error ReportAnchorsInvalidEpochBlocks(uint256 epochBlocks);
    /// @dev The epoch's last block is not mined yet: it can be anchored from block `anchorableFrom` on.
    error ReportAnchorsEpochNotOver(uint64 epoch, uint256 anchorableFrom);
    /// @dev The epoch ended more than `maxJobAgeBlocks` ago: it could be anchored up to block `anchorableUntil`.
    error ReportAnchorsEpochTooOld(uint64 epoch, uint256 anchorableUntil);
    /// @dev The epoch already has an anchor (the first root posted stands).
    error ReportAnchorsAlreadyAnchored(uint64 epoch);
    /// @dev A zero root or a zero leaf count: an epoch with no report is not posted.
    error ReportAnchorsEmpty();
    /// @dev The signer of `signatures[index]` is not above the one before it (duplicate or unordered).
    error ReportAnchorsSignersNotAscending(uint256 index, address signer);
    /// @dev `signer` was not a member at the epoch's first block.
    error ReportAnchorsNotMember(address signer);
    /// @dev `count` signatures where the epoch's quorum is `needed`.
    error ReportAnchorsNoQuorum(uint256 count, uint256 needed);

    /**
     * @param registry_ The registry whose members at each epoch's first block sign its root.
     * @param parameters_ The network parameters: `epochBlocks` is read now and kept; `quorumFaultDivisor`
     * is read per epoch, at its first block.
     */
    constructor(ISupernodeRegistry registry_, NetworkParameters parameters_) {
        uint256 blocks = parameters_.get(EPOCH_BLOCKS_KEY);
        if (blocks == 0 || blocks > type(uint48).max) {
            revert ReportAnchorsInvalidEpochBlocks(blocks);
        }
        registry = registry_;
        parameters = parameters_;
        _epochBlocks = blocks;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
    }

    /**
     * @notice Anchors `root`, the StandardMerkleTree root over `leafCount` final reports of `epoch`,
     * with the EpochRoot signatures of at least a quorum of the members at the epoch's first block,
     * their signers strictly ascending. Anyone may post; the first root posted for an epoch stands.
     * @dev Checked in this order: the epoch is over and ended at most `maxJobAgeBlocks` (at e*E) ago, not anchored, not empty; the number of signatures
     * reaches the quorum (before any is recovered); then each signature, in order, recovers to a signer
     * above the one before it that was a member at e*E. Every signature counts, so a valid anchor has
     * `signatures.length` distinct member signers.
     */
    function anchor(uint64 epoch, bytes32 root, uint32 leafCount, bytes[] calldata signatures) external {
        uint256 start = uint256(epoch) * _epochBlocks;
        uint256 end = start + _epochBlocks;
        if (block.number < end) {
            revert ReportAnchorsEpochNotOver(epoch, end);
        }
        // An epoch never anchored could otherwise be anchored today by its old members alone, keys the
        // job-age bound retired (SPEC 15, late anchors). start < block.number: a past lookup.
        uint256 until = end + _maxJobAgeBlocks(parameters.getAt(MAX_JOB_AGE_KEY, start));
        if (block.number > until) {
            revert ReportAnchorsEpochTooOld(epoch, until);
        }
        if (_anchors[epoch].anchoredAt != 0) {
            revert ReportAnchorsAlreadyAnchored(epoch);
        }
        if (root == bytes32(0) || leafCount == 0) {
            revert ReportAnchorsEmpty();
        }

        // start < end <= block.number: both lookups are of a past block, as the registry and the parameters require.
        address[] memory members = _membersWithQuorum(start, signatures.length);
        _checkSigners(epochRootDigest(epoch, root, leafCount), signatures, members);

        _anchors[epoch] = Anchor({root: root, leafCount: leafCount, anchoredAt: uint64(block.number)});
        emit EpochAnchored(epoch, root, leafCount, msg.sender);
    }

    /// @notice The anchor of `epoch`: its root, leaf count and the block it was posted in (all 0 if none).
    function anchorOf(uint64 epoch) external view returns (bytes32 root, uint32 leafCount, uint64 anchoredAt) {
        Anchor storage a = _anchors[epoch];
        return (a.root, a.leafCount, a.anchoredAt);
    }

    /**
     * @notice Whether `leaf` is in the anchored tree of `epoch` by `proof` (false when the epoch has no anchor).
     * @dev `leaf` is the StandardMerkleTree leaf hash, keccak256(bytes.concat(keccak256(abi.encode(values)))),
     * which the caller computes from the report itself: an inner node of the tree passed as a leaf verifies
     * too, with a shorter proof, and the double hash is what keeps a report's values from spelling one.
     */
    function verify(uint64 epoch, bytes32[] calldata proof, bytes32 leaf) external view returns (bool) {
        bytes32 root = _anchors[epoch].root;
        return root != bytes32(0) && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @notice Blocks per epoch (E), fixed at deployment.
    function epochBlocks() external view returns (uint256) {
        return _epochBlocks;
    }

    /// @notice The epoch block `blockNumber` belongs to.
    function epochOf(uint256 blockNumber) external view returns (uint256) {
        return blockNumber / _epochBlocks;
    }

    /// @notice EIP-712 domain separator of the protocol's messages on this chain and registry.
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    /// @notice The digest members sign for an epoch's root (protocol: EpochRoot).
    function epochRootDigest(uint64 epoch, bytes32 root, uint32 leafCount) public view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(
            domainSeparator(), keccak256(abi.encode(EPOCH_ROOT_TYPEHASH, epoch, root, leafCount))
        );
    }

    /// @dev The members at `start`, ascending, once `count` signatures reach their quorum.
    function _membersWithQuorum(uint256 start, uint256 count) private view returns (address[] memory members) {
        uint256 divisor;
        (members, divisor) = MemberQuorum.membersAt(registry, parameters, start);
        uint256 needed = MemberQuorum.quorum(members.length, divisor);
        if (count < needed) {
            revert ReportAnchorsNoQuorum(count, needed);
        }
    }

    /// @dev Every signature recovers over `digest` to a member of `members` (ascending), the signers strictly ascending.
    function _checkSigners(bytes32 digest, bytes[] calldata signatures, address[] memory members) private pure {
        (MemberQuorum.Fault fault, uint256 i, address signer) = MemberQuorum.checkSigners(digest, signatures, members);
        if (fault == MemberQuorum.Fault.NotAscending) {
            revert ReportAnchorsSignersNotAscending(i, signer);
        }
        if (fault == MemberQuorum.Fault.NotMember) {
            revert ReportAnchorsNotMember(signer);
        }
    }

    /// @dev maxJobAgeBlocksFrom of protocol/src/job-age.js: unset or out of range reads as the default.
    function _maxJobAgeBlocks(uint256 value) private pure returns (uint256) {
        return value < MIN_MAX_JOB_AGE_BLOCKS || value > MAX_MAX_JOB_AGE_BLOCKS ? DEFAULT_MAX_JOB_AGE_BLOCKS : value;
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return MemberQuorum.domainSeparator(address(registry));
    }
}
