// SPDX-License-Identifier: MIT
// Test-only: a router that swaps tokens for ETH at a fixed rate (the benign approve-and-swap);
// deployed once allowlisted and old, once new, once old and unknown, and its code put at the
// well-known routers' mainnet addresses for the benign fixtures (swapExactTokensForETH is
// Uniswap V2 Router02's call, so their calldata is the real one).
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

    /// Uniswap V2 Router02's swapExactTokensForETH, at the same fixed rate (path[0] in, ETH out to `to`)
    function swapExactTokensForETH(uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external returns (uint256[] memory amounts) {
        require(block.timestamp <= deadline, "expired");
        require(IERC20(path[0]).transferFrom(msg.sender, address(this), amountIn), "pull");
        amounts = new uint256[](2);
        amounts[0] = amountIn;
        amounts[1] = amountIn / 1000;
        require(amounts[1] >= amountOutMin, "slippage");
        (bool ok, ) = to.call{value: amounts[1]}("");
        require(ok, "pay");
    }
}
