// SPDX-License-Identifier: MIT
// Test-only: a router that swaps tokens for ETH at a fixed rate (the benign approve-and-swap);
// deployed once allowlisted and old, once new, once old and unknown.
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

contract GuardRouter {
    receive() external payable {}

    /// pulls amountIn of token and pays amountIn / 1000 wei of ETH back
    function swapForEth(IERC20 token, uint256 amountIn) external {
        require(token.transferFrom(msg.sender, address(this), amountIn), "pull");
        (bool ok, ) = msg.sender.call{value: amountIn / 1000}("");
        require(ok, "pay");
    }
}
