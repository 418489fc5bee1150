// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {MemberQuorum} from "../MemberQuorum.sol";
import {RewardsState} from "./RewardsState.sol";

/**
 * @title RewardsDistributor's roots
 * @notice Per epoch a quorum of the members at the epoch's end block signs an EIP-712
 * `RewardsRoot(uint64 epoch,bytes32 root,uint256 total)`; anyone posts it, in epoch order, within the
 * budgets accrued plus the credits. Each root waits out a challenge period in which any current member can
 * freeze it until the owner (the Timelock) accepts or rejects it; only one root is open at a time.
 */
abstract contract RewardsRoots is RewardsState {
    bytes32 private constant REWARDS_ROOT_TYPEHASH = keccak256("RewardsRoot(uint64 epoch,bytes32 root,uint256 total)");
    bytes32 private constant BUDGET_KEY = "rewardBudgetPerEpoch";

    /// @notice `submitter` posted `root` of `epoch`, paying `total` in all, claimable from block `claimableFrom`.
    event RootPosted(uint64 indexed epoch, bytes32 root, uint256 total, uint256 claimableFrom, address indexed submitter);
    /// @notice `member` froze the open root of `epoch`.
    event RootFrozen(uint64 indexed epoch, address indexed member);
    /// @notice The owner accepted (claimable now) or rejected (to be posted again) the frozen root of `epoch`.
    event RootResolved(uint64 indexed epoch, bool accepted);
    /// @notice The owner set the challenge period.
    event ChallengeBlocksChanged(uint64 blocks);

    /// @dev The epoch is not after the last settled one, or before the deployment's epoch.
    error RewardsDistributorEpochOutOfOrder(uint64 epoch, uint64 firstAllowed);
    /// @dev The epoch's last block is not mined yet: it can be posted from block `postableFrom` on.
    error RewardsDistributorEpochNotOver(uint64 epoch, uint256 postableFrom);
    /// @dev A root is still in its challenge period or frozen.
    error RewardsDistributorRootOpen(uint64 epoch);
    /// @dev A zero root.
    error RewardsDistributorEmpty();
    /// @dev `total` exceeds the budgets accrued plus the fees credited (`allowed`).
    error RewardsDistributorOverBudget(uint256 total, uint256 allowed);
    /// @dev `total` is below the settled root's: amounts are cumulative.
    error RewardsDistributorTotalDecreased(uint256 total, uint256 settledTotal);
    /// @dev The signer of `signatures[index]` is not above the one before it (duplicate or unordered).
    error RewardsDistributorSignersNotAscending(uint256 index, address signer);
    /// @dev `signer` was not a member at the epoch's end block (or is not one now, to freeze).
    error RewardsDistributorNotMember(address signer);
    /// @dev `count` signatures where the quorum is `needed`.
    error RewardsDistributorNoQuorum(uint256 count, uint256 needed);
    /// @dev No open root to freeze, or its challenge period is over.
    error RewardsDistributorNotChallengeable();
    /// @dev No frozen root to resolve.
    error RewardsDistributorNotFrozen();

    /**
     * @notice Posts `root` of `epoch` paying `total` (cumulative) in all, with the RewardsRoot signatures of a
     * quorum of the members at the epoch's end block, signers strictly ascending. Anyone may post.
     * @dev Settles an open root whose challenge is over first; reverts while one is still open.
     */
    function postRoot(uint64 epoch, bytes32 root, uint256 total, bytes[] calldata signatures) external {
        _settle();
        if (_state.open.root != bytes32(0)) {
            revert RewardsDistributorRootOpen(_state.open.epoch);
        }
        uint64 firstAllowed = _state.settled.root == bytes32(0) ? _firstEpoch : _state.settled.epoch + 1;
        if (epoch < firstAllowed) {
            revert RewardsDistributorEpochOutOfOrder(epoch, firstAllowed);
        }
        uint256 end = (uint256(epoch) + 1) * _epochBlocks;
        if (block.number < end) {
            revert RewardsDistributorEpochNotOver(epoch, end);
        }
        if (root == bytes32(0)) {
            revert RewardsDistributorEmpty();
        }
        if (total < _state.settled.total) {
            revert RewardsDistributorTotalDecreased(total, _state.settled.total);
        }
        uint256 allowed = _accrueBudget(epoch) + _state.feesCredited + _state.depositsCredited;
        if (total > allowed) {
            revert RewardsDistributorOverBudget(total, allowed);
        }
        _checkQuorum(rewardsRootDigest(epoch, root, total), signatures, end - 1);

        uint64 from = uint64(block.number) + _state.challengeBlocks;
        _state.open = Root({root: root, total: total, epoch: epoch, claimableFrom: from, frozen: false});
        emit RootPosted(epoch, root, total, from, msg.sender);
    }

    /// @notice A current member freezes the open root during its challenge period, until the owner resolves it.
    function freeze() external {
        _settle();
        Root storage open = _state.open;
        if (open.root == bytes32(0) || open.frozen) {
            revert RewardsDistributorNotChallengeable();
        }
        if (!registry.isMember(msg.sender)) {
            revert RewardsDistributorNotMember(msg.sender);
        }
        open.frozen = true;
        emit RootFrozen(open.epoch, msg.sender);
    }

    /// @notice The owner resolves the frozen root: accepted, it pays at once; rejected, its epoch may be posted again.
    function resolve(bool accept) external onlyOwner {
        Root memory open = _state.open;
        if (!open.frozen) {
            revert RewardsDistributorNotFrozen();
        }
        delete _state.open;
        if (accept) {
            open.frozen = false;
            _state.settled = open;
        }
        emit RootResolved(open.epoch, accept);
    }

    /// @notice Sets the challenge period of roots posted from now on.
    function setChallengeBlocks(uint64 blocks) external onlyOwner {
        _state.challengeBlocks = blocks;
        emit ChallengeBlocksChanged(blocks);
    }

    /// @notice The digest members sign for an epoch's rewards root (protocol: RewardsRoot).
    function rewardsRootDigest(uint64 epoch, bytes32 root, uint256 total) public view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(
            MemberQuorum.domainSeparator(address(registry)),
            keccak256(abi.encode(REWARDS_ROOT_TYPEHASH, epoch, root, total))
        );
    }

    /// @dev Sums the budgets of the epochs not yet summed through `epoch`, each at its end block.
    function _accrueBudget(uint64 epoch) internal returns (uint256 accrued) {
        accrued = _state.budgetAccrued;
        for (uint256 k = _state.nextBudgetEpoch; k <= epoch; ++k) {
            accrued += parameters.getAt(BUDGET_KEY, (k + 1) * _epochBlocks - 1);
        }
        if (epoch >= _state.nextBudgetEpoch) {
            _state.budgetAccrued = accrued;
            _state.nextBudgetEpoch = epoch + 1;
        }
    }

    /// @dev At least a quorum of the members at `endBlock` signed `digest`, signers ascending.
    function _checkQuorum(bytes32 digest, bytes[] calldata signatures, uint256 endBlock) internal view {
        (address[] memory members, uint256 divisor) = MemberQuorum.membersAt(registry, parameters, endBlock);
        uint256 needed = MemberQuorum.quorum(members.length, divisor);
        if (signatures.length < needed) {
            revert RewardsDistributorNoQuorum(signatures.length, needed);
        }
        (MemberQuorum.Fault fault, uint256 i, address signer) = MemberQuorum.checkSigners(digest, signatures, members);
        if (fault == MemberQuorum.Fault.NotAscending) {
            revert RewardsDistributorSignersNotAscending(i, signer);
        }
        if (fault == MemberQuorum.Fault.NotMember) {
            revert RewardsDistributorNotMember(signer);
        }
    }
}
