// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {MemberQuorum} from "./MemberQuorum.sol";
import {NetworkParameters} from "./NetworkParameters.sol";
import {ReportAnchors} from "./ReportAnchors.sol";
import {ISupernodeRegistry} from "./ISupernodeRegistry.sol";

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
 */
contract RewardsDistributor is Ownable {
    using SafeERC20 for IERC20;

    struct Root {
        bytes32 root;
        uint256 total;
        uint64 epoch;
        uint64 claimableFrom;
        bool frozen;
    }

    struct State {
        /// the root claims are paid against (root 0: none yet)
        Root settled;
        /// the root in its challenge period or frozen (root 0: none)
        Root open;
        /// the first epoch whose budget is not yet summed into `budgetAccrued`
        uint64 nextBudgetEpoch;
        uint64 challengeBlocks;
        uint256 budgetAccrued;
        uint256 feesCredited;
        address market;
        uint256 depositsCredited;
        address deposits;
    }

    bytes32 private constant REWARDS_ROOT_TYPEHASH = keccak256("RewardsRoot(uint64 epoch,bytes32 root,uint256 total)");
    bytes32 private constant BUDGET_KEY = "rewardBudgetPerEpoch";

    /// @notice The VMT token the pool holds.
    IERC20 public immutable token;
    /// @notice The registry whose members sign roots (and whose address the EIP-712 domain names).
    ISupernodeRegistry public immutable registry;
    /// @notice The network parameters: `quorumFaultDivisor` and `rewardBudgetPerEpoch` at each epoch's end.
    NetworkParameters public immutable parameters;

    uint256 private immutable _epochBlocks;
    /// @dev The epoch of the deployment block: no earlier epoch is posted, and budgets accrue from it.
    uint64 private immutable _firstEpoch;
    State private _state;
    mapping(address account => uint256) private _claimed;

    /// @notice `submitter` posted `root` of `epoch`, paying `total` in all, claimable from block `claimableFrom`.
    event RootPosted(uint64 indexed epoch, bytes32 root, uint256 total, uint256 claimableFrom, address indexed submitter);
    /// @notice `member` froze the open root of `epoch`.
    event RootFrozen(uint64 indexed epoch, address indexed member);
    /// @notice The owner accepted (claimable now) or rejected (to be posted again) the frozen root of `epoch`.
    event RootResolved(uint64 indexed epoch, bool accepted);
    /// @notice `account` was paid `amount`, its claims reaching `cumulative`.
    event Claimed(address indexed account, uint256 amount, uint256 cumulative);
    /// @notice The market credited `amount` of fees to the pool.
    event FeesCredited(uint256 amount);
    /// @notice The owner set the market allowed to credit fees.
    event MarketChanged(address market);
    /// @notice The submission deposits contract credited `amount` of deposits to the pool.
    event DepositsCredited(uint256 amount);
    /// @notice The owner set the submission deposits contract allowed to credit deposits.
    event DepositsChanged(address deposits);
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
    /// @dev The proof does not place (account, cumulative) in the settled root.
    error RewardsDistributorInvalidProof();
    /// @dev Only the market credits fees.
    error RewardsDistributorNotMarket(address caller);
    /// @dev Only the submission deposits contract credits deposits.
    error RewardsDistributorNotDeposits(address caller);

    /**
     * @param initialOwner The Timelock.
     * @param token_ VMT.
     * @param anchors The report anchors whose epochs (E) the rewards follow; also gives the registry and parameters.
     * @param challengeBlocks_ Blocks a posted root waits before it pays, during which a member may freeze it.
     */
    constructor(address initialOwner, IERC20 token_, ReportAnchors anchors, uint64 challengeBlocks_)
        Ownable(initialOwner)
    {
        token = token_;
        registry = anchors.registry();
        parameters = anchors.parameters();
        _epochBlocks = anchors.epochBlocks();
        _firstEpoch = uint64(block.number / _epochBlocks);
        _state.nextBudgetEpoch = _firstEpoch;
        _state.challengeBlocks = challengeBlocks_;
    }

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

    /// @notice The market credits `amount` of fees it has sent to this pool (raising what roots may pay).
    function creditFees(uint256 amount) external {
        if (msg.sender != _state.market) {
            revert RewardsDistributorNotMarket(msg.sender);
        }
        _state.feesCredited += amount;
        emit FeesCredited(amount);
    }

    /// @notice The submission deposits contract credits `amount` it has sent to this pool (roots pay it back).
    function creditDeposits(uint256 amount) external {
        if (msg.sender != _state.deposits) {
            revert RewardsDistributorNotDeposits(msg.sender);
        }
        _state.depositsCredited += amount;
        emit DepositsCredited(amount);
    }

    /// @notice Sets the submission deposits contract allowed to credit deposits.
    function setDeposits(address deposits_) external onlyOwner {
        _state.deposits = deposits_;
        emit DepositsChanged(deposits_);
    }

    /// @notice Submission deposits credited so far and the contract that credits them.
    function deposits() external view returns (uint256 credited, address depositsContract) {
        return (_state.depositsCredited, _state.deposits);
    }

    /// @notice Sets the market allowed to credit fees.
    function setMarket(address market_) external onlyOwner {
        _state.market = market_;
        emit MarketChanged(market_);
    }

    /// @notice Sets the challenge period of roots posted from now on.
    function setChallengeBlocks(uint64 blocks) external onlyOwner {
        _state.challengeBlocks = blocks;
        emit ChallengeBlocksChanged(blocks);
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

    /// @notice The digest members sign for an epoch's rewards root (protocol: RewardsRoot).
    function rewardsRootDigest(uint64 epoch, bytes32 root, uint256 total) public view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(
            MemberQuorum.domainSeparator(address(registry)),
            keccak256(abi.encode(REWARDS_ROOT_TYPEHASH, epoch, root, total))
        );
    }

    /// @dev Sums the budgets of the epochs not yet summed through `epoch`, each at its end block.
    function _accrueBudget(uint64 epoch) private returns (uint256 accrued) {
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
    function _checkQuorum(bytes32 digest, bytes[] calldata signatures, uint256 endBlock) private view {
        (address[] memory members, uint256 divisor) = MemberQuorum.membersAt(registry, parameters, endBlock);
        uint256 needed = MemberQuorum.quorum(members.length, divisor);
        if (signatures.length < needed) {
            revert RewardsDistributorNoQuorum(signatures.length, needed);
        }
        uint256 j = 0;
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = ECDSA.recoverCalldata(digest, signatures[i]);
            MemberQuorum.Fault fault;
            (fault, j) = MemberQuorum.step(members, j, previous, signer);
            if (fault == MemberQuorum.Fault.NotAscending) {
                revert RewardsDistributorSignersNotAscending(i, signer);
            }
            if (fault == MemberQuorum.Fault.NotMember) {
                revert RewardsDistributorNotMember(signer);
            }
            previous = signer;
        }
    }

    /// @dev Promotes the open root to settled once its challenge period is over and it is not frozen.
    function _settle() private {
        if (_state.open.root != bytes32(0) && _isSettleable(_state.open)) {
            _state.settled = _state.open;
            delete _state.open;
        }
    }

    function _isSettleable(Root memory r) private view returns (bool) {
        return !r.frozen && block.number >= r.claimableFrom;
    }
}
