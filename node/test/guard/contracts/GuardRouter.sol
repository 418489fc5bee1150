// SPDX-License-Identifier: MIT
// Test-only: a router that swaps tokens for ETH at a fixed rate (the benign approve-and-swap);
// deployed once allowlisted and old, once new, once old and unknown, and its code put at the
// well-known routers' mainnet addresses for the benign fixtures (swapExactTokensForETH is
// Uniswap V2 Router02's call, so their calldata is the real one).
// swapWithPermit2 is the Universal Router's Permit2 path: the user's PermitSingle signature is
// submitted to Permit2 and the tokens pulled through it, in the user's one transaction.
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// the part of Uniswap Permit2's AllowanceTransfer the router calls
interface IPermit2 {
    struct PermitDetails { address token; uint160 amount; uint48 expiration; uint48 nonce; }
    struct PermitSingle { PermitDetails details; address spender; uint256 sigDeadline; }
    function permit(address owner, PermitSingle calldata permitSingle, bytes calldata signature) external;
    function transferFrom(address from, address to, uint160 amount, address token) external;
}

contract GuardRouter {
    receive() external payable {}

    /// pulls amountIn of token and pays amountIn / 1000 wei of ETH back
    function swapForEth(IERC20 token, uint256 amountIn) external {
        require(token.transferFrom(msg.sender, address(this), amountIn), "pull");
        (bool ok, ) = msg.sender.call{value: amountIn / 1000}("");
        require(ok, "pay");
    }

    /// submits the user's PermitSingle to Permit2, pulls amountIn through it, pays amountIn / 1000 wei back
    function swapWithPermit2(IPermit2 permit2, IPermit2.PermitSingle calldata single, bytes calldata signature, uint160 amountIn) external {
        permit2.permit(msg.sender, single, signature);
        permit2.transferFrom(msg.sender, address(this), amountIn, single.details.token);
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
