// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RewardsState} from "./RewardsState.sol";

/**
 * @title RewardsDistributor's credits
 * @notice What raises the amount roots may pay beyond the budgets: the market's fees (DataMarket) and the
 * submission deposits (SubmissionDeposits, paid back through the roots), each credited only by the contract
 * the owner (the Timelock) set for it, after it sent the VMT to the pool.
 */
abstract contract RewardsCredits is RewardsState {
    /// @notice The market credited `amount` of fees to the pool.
    event FeesCredited(uint256 amount);
    /// @notice The owner set the market allowed to credit fees.
    event MarketChanged(address market);
    /// @notice The submission deposits contract credited `amount` of deposits to the pool.
    event DepositsCredited(uint256 amount);
    /// @notice The owner set the submission deposits contract allowed to credit deposits.
    event DepositsChanged(address deposits);

    /// @dev Only the market credits fees.
    error RewardsDistributorNotMarket(address caller);
    /// @dev Only the submission deposits contract credits deposits.
    error RewardsDistributorNotDeposits(address caller);

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
}
