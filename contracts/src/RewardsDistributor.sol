// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReportAnchors} from "./ReportAnchors.sol";
import {RewardsCredits} from "./rewards/RewardsCredits.sol";
import {RewardsRoots} from "./rewards/RewardsRoots.sol";
import {RewardsState} from "./rewards/RewardsState.sol";

/**
 * @title VirusMap rewards distributor
 * @notice Pays the rewards of SPEC section 17 from the VMT pool it holds. Per epoch a quorum of the members
 * at the epoch's end block signs an EIP-712 `RewardsRoot(uint64 epoch,bytes32 root,uint256 total)`: the root
 * of an OpenZeppelin StandardMerkleTree with leaves ['address','uint256'] = (account, cumulative wei) and
 * the sum of those amounts. Roots are posted in epoch order; each waits out a challenge period in which
 * any current member can freeze it until the owner (the Timelock) accepts or rejects it. `claim` pays an
 * account its cumulative amount in the newest settled root minus what it was already paid; anyone may
 * relay, and there is no deadline.
 * @dev Epoch `e` is the blocks [e*E, (e+1)*E) of ReportAnchors' E; its end block is (e+1)*E - 1, at which
 * the members, the fault divisor and `rewardBudgetPerEpoch` are read. A root's `total` may not exceed
 * the budgets of the epochs from the deployment's epoch through `e` plus the market fees and the submission
 * deposits (SubmissionDeposits, paid back through the roots) credited so far.
 * Only one root is open (in its challenge period or frozen) at a time: the next epoch is posted after it
 * settles, so the settled root is always the newest one that passed its challenge.
 * The parts, one concern each, in contracts/src/rewards/: RewardsState (the shared storage and settling),
 * RewardsRoots (posting, freezing, resolving) and RewardsCredits (fees and deposits); this contract claims.
 */
contract RewardsDistributor is RewardsRoots, RewardsCredits {
    using SafeERC20 for IERC20;

    /// @notice `account` was paid `amount`, its claims reaching `cumulative`.
    event Claimed(address indexed account, uint256 amount, uint256 cumulative);

    /// @dev The proof does not place (account, cumulative) in the settled root.
    error RewardsDistributorInvalidProof();

    /**
     * @param initialOwner The Timelock.
     * @param token_ VMT.
     * @param anchors The report anchors whose epochs (E) the rewards follow; also gives the registry and parameters.
     * @param challengeBlocks_ Blocks a posted root waits before it pays, during which a member may freeze it.
     */
    constructor(address initialOwner, IERC20 token_, ReportAnchors anchors, uint64 challengeBlocks_)
        RewardsState(initialOwner, token_, anchors)
    {
        _state.nextBudgetEpoch = _firstEpoch;
        _state.challengeBlocks = challengeBlocks_;
    }

    /**
     * @notice Pays `account` its `cumulative` amount in the settled root minus what it was paid before
     * (0 when nothing is new). Anyone may call; the VMT goes to `account`.
     */
    function claim(address account, uint256 cumulative, bytes32[] calldata proof) external returns (uint256 amount) {
        _settle();
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))));
        bytes32 root = _state.settled.root;
        if (root == bytes32(0) || !MerkleProof.verifyCalldata(proof, root, leaf)) {
            revert RewardsDistributorInvalidProof();
        }
        uint256 paid = _claimed[account];
        if (cumulative <= paid) {
            return 0;
        }
        amount = cumulative - paid;
        _claimed[account] = cumulative;
        token.safeTransfer(account, amount);
        emit Claimed(account, amount, cumulative);
    }

    /// @notice What `account` has been paid in all.
    function claimed(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @notice The root claims pay against now (zero root if none) and its epoch and total.
    function settledRoot() external view returns (uint64 epoch, bytes32 root, uint256 total) {
        Root memory r = _state.open.root != bytes32(0) && _isSettleable(_state.open) ? _state.open : _state.settled;
        return (r.epoch, r.root, r.total);
    }

    /// @notice The root in its challenge period or frozen (zero root if none), and the block it pays from.
    function openRoot() external view returns (uint64 epoch, bytes32 root, uint256 total, bool frozen, uint256 claimableFrom) {
        Root memory r = _state.open;
        return (r.epoch, r.root, r.total, r.frozen, r.claimableFrom);
    }

    /// @notice Market fees credited so far, the challenge period, the market, and the first epoch.
    function settings() external view returns (uint256 feesCredited, uint64 challengeBlocks, address market, uint64 firstEpoch) {
        return (_state.feesCredited, _state.challengeBlocks, _state.market, _firstEpoch);
    }

    /// @notice Blocks per epoch (ReportAnchors' E).
    function epochBlocks() external view returns (uint256) {
        return _epochBlocks;
    }
}
