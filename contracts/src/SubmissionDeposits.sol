// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {PastBlocks} from "./PastBlocks.sol";
import {RewardsDistributor} from "./RewardsDistributor.sol";

/**
 * @title VirusMap submission deposits
 * @notice A submitter wallet locks VMT here to back its signed submissions (SPEC section 17, rule 0): the
 * reward function pays a signed report of epoch P only if the wallet's deposits, net of its withdrawal
 * requests and of what its earlier reports already used, cover `rewardSubmissionDeposit` (a
 * NetworkParameters key) at P's end block. Each backed report uses one deposit: when P is paid, the
 * report's rewards-tree amount gains min(deposit, what it earned) back and the rest is forfeited to the
 * pool; a withdrawal request is paid back through the rewards tree in the first paid epoch whose end
 * block follows it, out of what the wallet's reports have not used.
 * @dev The VMT goes straight to the RewardsDistributor, credited there so a root may pay it back: the
 * refunds and withdrawals are leaves of the quorum-signed rewards root and `claim` pays them. This
 * contract only records, per wallet, the cumulative deposits and withdrawal requests, checkpointed by
 * block so every member reads the same values at an epoch's end block.
 */
contract SubmissionDeposits {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    struct Account {
        /// cumulative VMT deposited for the account
        Checkpoints.Trace208 deposited;
        /// cumulative VMT the account asked back
        Checkpoints.Trace208 withdrawalsRequested;
    }

    /// @notice VMT.
    IERC20 public immutable token;
    /// @notice The rewards pool the deposits go to and are paid back from.
    RewardsDistributor public immutable distributor;

    mapping(address account => Account) private _accounts;

    /// @notice `from` deposited `amount` for `account`, whose deposits reach `cumulative`.
    event Deposited(address indexed account, address indexed from, uint256 amount, uint256 cumulative);
    /// @notice `account` asked `amount` back, its requests reaching `cumulative`.
    event WithdrawalRequested(address indexed account, uint256 amount, uint256 cumulative);

    /// @dev A zero amount.
    error SubmissionDepositsZeroAmount();
    /// @dev The account asked back more than it ever deposited: `requested` of at most `available`.
    error SubmissionDepositsOverWithdrawal(uint256 requested, uint256 available);

    constructor(RewardsDistributor distributor_) {
        distributor = distributor_;
        token = distributor_.token();
    }

    /**
     * @notice Locks `amount` VMT of the caller (approved to this contract) as `account`'s submission deposit.
     * @dev Moves the VMT to the rewards pool and credits it there; counts for `account` from the next block.
     */
    function deposit(address account, uint256 amount) external {
        if (amount == 0) {
            revert SubmissionDepositsZeroAmount();
        }
        Account storage a = _accounts[account];
        uint256 cumulative = a.deposited.latest() + amount;
        a.deposited.push(Time.blockNumber(), SafeCast.toUint208(cumulative));
        token.safeTransferFrom(msg.sender, address(distributor), amount);
        distributor.creditDeposits(amount);
        emit Deposited(account, msg.sender, amount, cumulative);
    }

    /**
     * @notice Asks `amount` of the caller's deposits back. From this block on it backs no report; it is
     * paid through the rewards tree (what the caller's reports have not used) once its epoch is paid.
     */
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) {
            revert SubmissionDepositsZeroAmount();
        }
        Account storage a = _accounts[msg.sender];
        uint256 cumulative = a.withdrawalsRequested.latest() + amount;
        uint256 deposited_ = a.deposited.latest();
        if (cumulative > deposited_) {
            revert SubmissionDepositsOverWithdrawal(amount, deposited_ - a.withdrawalsRequested.latest());
        }
        a.withdrawalsRequested.push(Time.blockNumber(), SafeCast.toUint208(cumulative));
        emit WithdrawalRequested(msg.sender, amount, cumulative);
    }

    /// @notice `account`'s cumulative deposits and withdrawal requests now.
    function totals(address account) external view returns (uint256 deposited, uint256 withdrawalsRequested) {
        Account storage a = _accounts[account];
        return (a.deposited.latest(), a.withdrawalsRequested.latest());
    }

    /**
     * @notice `account`'s cumulative deposits and withdrawal requests at the end of past block `blockNumber`.
     * @dev Reverts PastBlocks.PastBlocksFutureLookup for the current block or a later one.
     */
    function totalsAt(address account, uint256 blockNumber) external view returns (uint256 deposited, uint256 withdrawalsRequested) {
        uint48 key = PastBlocks.checkpointKey(blockNumber);
        Account storage a = _accounts[account];
        return (a.deposited.upperLookupRecent(key), a.withdrawalsRequested.upperLookupRecent(key));
    }
}
