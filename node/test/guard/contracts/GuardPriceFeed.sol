// SPDX-License-Identifier: MIT
// Test-only: a price feed with Chainlink's AggregatorV3Interface (decimals, latestRoundData), as
// the guard reads mainnet's ETH/USD and token/USD feeds; the test sets its answer.
pragma solidity ^0.8.24;

contract GuardPriceFeed {
    uint8 public immutable decimals;
    uint80 private roundId;
    int256 private answer;
    uint256 private updatedAt;

    constructor(uint8 decimals_, int256 answer_) {
        decimals = decimals_;
        updateAnswer(answer_);
    }

    function updateAnswer(int256 answer_) public {
        roundId += 1;
        answer = answer_;
        updatedAt = block.timestamp;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId, answer, updatedAt, updatedAt, roundId);
    }
}
