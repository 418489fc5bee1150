// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {MemberQuorum} from "./MemberQuorum.sol";
import {NetworkParameters} from "./NetworkParameters.sol";
import {RewardsDistributor} from "./RewardsDistributor.sol";
import {ISupernodeRegistry} from "./ISupernodeRegistry.sol";

/**
 * @title VirusMap data market
 * @notice Approved vendors buy products (a sample, a feed, a hunt) with VMT held in escrow. Members that
 * see `Ordered` re-wrap the content key to the order's buyer key; once at least f+1 distinct members at
 * the order's block (so at least one honest) signed an EIP-712
 * `Delivered(address market,uint256 orderId,bytes32 wrapHash)`, anyone may `fulfil` the order and its
 * price splits between the signing members (equally), the rewards pool (the discoverer's share, credited
 * to the RewardsDistributor as market fees) and a burn. An order not fulfilled by its deadline is refunded.
 * @dev Prices are set here by the owner (the Timelock) per product, not read from NetworkParameters, so
 * a product is on sale only once governance priced it and a price change never moves an open order.
 * VMT has no burn function (ERC20Burnable is not in it), so the burned share goes to BURN_ADDRESS,
 * 0x...dEaD, for which nobody holds a key. Signatures are under the protocol's EIP-712 domain (verifying
 * contract the registry); the market's address in the message keeps them from replaying to another market.
 */
contract DataMarket is Ownable {
    using SafeERC20 for IERC20;

    enum Status {
        None,
        Open,
        Fulfilled,
        Refunded
    }

    struct Order {
        address buyer;
        uint64 orderedAt;
        uint64 deadline;
        Status status;
        uint256 price;
    }

    struct State {
        uint256 nextOrderId;
        uint64 deliveryBlocks;
        uint16 memberBps;
        uint16 discovererBps;
    }

    /// @notice Where the burned share goes: VMT cannot burn, and no key holds this address.
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    uint256 private constant BPS = 10_000;
    bytes32 private constant DELIVERED_TYPEHASH = keccak256("Delivered(address market,uint256 orderId,bytes32 wrapHash)");

    /// @notice VMT.
    IERC20 public immutable token;
    /// @notice The registry whose members deliver.
    ISupernodeRegistry public immutable registry;
    /// @notice The network parameters (quorumFaultDivisor at the order's block).
    NetworkParameters public immutable parameters;
    /// @notice The rewards pool the discoverer's share is credited to.
    RewardsDistributor public immutable rewards;

    State private _state;
    mapping(uint256 orderId => Order) private _orders;
    mapping(bytes32 product => uint256) private _prices;
    mapping(address vendor => bool) private _vendors;

    /// @notice `buyer` ordered `product` for `subject` at `price`, deliverable until block `deadline`.
    event Ordered(
        uint256 indexed orderId,
        address indexed buyer,
        bytes32 indexed product,
        bytes32 subject,
        bytes32 buyerX25519Key,
        uint256 price,
        uint256 deadline
    );
    /// @notice The order was paid out: `perMember` to each of `members`, `discoverer` to the pool, `burned` burned.
    event Fulfilled(uint256 indexed orderId, address[] members, uint256 perMember, uint256 discoverer, uint256 burned);
    /// @notice The order's price went back to its buyer.
    event Refunded(uint256 indexed orderId, address indexed buyer, uint256 price);
    /// @notice The owner approved or revoked `vendor`.
    event VendorChanged(address indexed vendor, bool approved);
    /// @notice The owner priced `product` (0: not on sale).
    event PriceChanged(bytes32 indexed product, uint256 price);
    /// @notice The owner changed the split (the burn takes the rest) or the delivery window.
    event TermsChanged(uint16 memberBps, uint16 discovererBps, uint64 deliveryBlocks);

    /// @dev `account` is not an approved vendor.
    error DataMarketNotVendor(address account);
    /// @dev `product` has no price (not on sale).
    error DataMarketNotForSale(bytes32 product);
    /// @dev The price is above the buyer's `maxPrice`.
    error DataMarketPriceAbove(uint256 price, uint256 maxPrice);
    /// @dev The order is not open (unknown, fulfilled or refunded).
    error DataMarketNotOpen(uint256 orderId);
    /// @dev The order's deadline `deadline` has passed: only a refund remains.
    error DataMarketDeadlinePassed(uint256 orderId, uint256 deadline);
    /// @dev The order's deadline `deadline` has not passed yet.
    error DataMarketDeadlineNotPassed(uint256 orderId, uint256 deadline);
    /// @dev Fulfilled in the block the order was placed in: its membership block is not past yet.
    error DataMarketTooEarly(uint256 orderId);
    /// @dev `wrapHashes` and `signatures` differ in length.
    error DataMarketLengthMismatch();
    /// @dev `count` signers where f+1 = `needed`.
    error DataMarketTooFewSigners(uint256 count, uint256 needed);
    /// @dev The signer of `signatures[index]` is not above the one before it (duplicate or unordered).
    error DataMarketSignersNotAscending(uint256 index, address signer);
    /// @dev `signer` was not a member at the order's block.
    error DataMarketNotMember(address signer);
    /// @dev Shares above 100%.
    error DataMarketInvalidSplit(uint256 memberBps, uint256 discovererBps);

    /**
     * @param initialOwner The Timelock.
     * @param rewards_ The rewards pool (its registry and parameters are the market's).
     * @param parameters_ The network parameters.
     * @param memberBps Members' share of a price, basis points.
     * @param discovererBps The discoverer's share (to the rewards pool); the burn takes the rest.
     * @param deliveryBlocks Blocks after an order within which it can be fulfilled; a refund after.
     */
    constructor(
        address initialOwner,
        RewardsDistributor rewards_,
        NetworkParameters parameters_,
        uint16 memberBps,
        uint16 discovererBps,
        uint64 deliveryBlocks
    ) Ownable(initialOwner) {
        rewards = rewards_;
        token = rewards_.token();
        registry = rewards_.registry();
        parameters = parameters_;
        _setTerms(memberBps, discovererBps, deliveryBlocks);
    }

    /**
     * @notice Buys `product` for `subject` (a sample's sha256, an epoch, a ruleset hash), escrowing its
     * price (at most `maxPrice`, approved to this contract). Members wrap the key to `buyerX25519Key`.
     */
    function order(bytes32 product, bytes32 subject, bytes32 buyerX25519Key, uint256 maxPrice)
        external
        returns (uint256 orderId)
    {
        if (!_vendors[msg.sender]) {
            revert DataMarketNotVendor(msg.sender);
        }
        uint256 price = _prices[product];
        if (price == 0) {
            revert DataMarketNotForSale(product);
        }
        if (price > maxPrice) {
            revert DataMarketPriceAbove(price, maxPrice);
        }
        orderId = _state.nextOrderId++;
        uint64 deadline = uint64(block.number) + _state.deliveryBlocks;
        _orders[orderId] = Order({
            buyer: msg.sender, orderedAt: uint64(block.number), deadline: deadline, status: Status.Open, price: price
        });
        token.safeTransferFrom(msg.sender, address(this), price);
        emit Ordered(orderId, msg.sender, product, subject, buyerX25519Key, price, deadline);
    }

    /**
     * @notice Pays out `orderId` on the Delivered signatures of at least f+1 members at its block, signers
     * strictly ascending, each over its own wrap's hash. Anyone may call, up to the order's deadline.
     */
    function fulfil(uint256 orderId, bytes32[] calldata wrapHashes, bytes[] calldata signatures) external {
        Order storage o = _orders[orderId];
        if (o.status != Status.Open) {
            revert DataMarketNotOpen(orderId);
        }
        if (block.number > o.deadline) {
            revert DataMarketDeadlinePassed(orderId, o.deadline);
        }
        if (block.number <= o.orderedAt) {
            revert DataMarketTooEarly(orderId);
        }
        if (wrapHashes.length != signatures.length) {
            revert DataMarketLengthMismatch();
        }
        address[] memory signers = _checkSigners(orderId, o.orderedAt, wrapHashes, signatures);
        o.status = Status.Fulfilled;

        uint256 price = o.price;
        uint256 perMember = price * _state.memberBps / BPS / signers.length;
        uint256 discoverer = price * _state.discovererBps / BPS;
        uint256 burned = price - perMember * signers.length - discoverer;
        for (uint256 i = 0; i < signers.length; ++i) {
            token.safeTransfer(signers[i], perMember);
        }
        if (discoverer > 0) {
            token.safeTransfer(address(rewards), discoverer);
            rewards.creditFees(discoverer);
        }
        if (burned > 0) {
            token.safeTransfer(BURN_ADDRESS, burned);
        }
        emit Fulfilled(orderId, signers, perMember, discoverer, burned);
    }

    /// @notice Returns the escrow of an order not fulfilled by its deadline to its buyer. Anyone may call.
    function refund(uint256 orderId) external {
        Order storage o = _orders[orderId];
        if (o.status != Status.Open) {
            revert DataMarketNotOpen(orderId);
        }
        if (block.number <= o.deadline) {
            revert DataMarketDeadlineNotPassed(orderId, o.deadline);
        }
        o.status = Status.Refunded;
        token.safeTransfer(o.buyer, o.price);
        emit Refunded(orderId, o.buyer, o.price);
    }

    /// @notice Approves or revokes a vendor.
    function setVendor(address vendor, bool approved) external onlyOwner {
        _vendors[vendor] = approved;
        emit VendorChanged(vendor, approved);
    }

    /// @notice Prices `product` in VMT wei (0 takes it off sale); open orders keep their price.
    function setPrice(bytes32 product, uint256 price) external onlyOwner {
        _prices[product] = price;
        emit PriceChanged(product, price);
    }

    /// @notice Sets the split (members, discoverer; the burn takes the rest) and the delivery window.
    function setTerms(uint16 memberBps, uint16 discovererBps, uint64 deliveryBlocks) external onlyOwner {
        _setTerms(memberBps, discovererBps, deliveryBlocks);
    }

    /// @notice Whether `account` is an approved vendor.
    function isVendor(address account) external view returns (bool) {
        return _vendors[account];
    }

    /// @notice The price of `product` (0: not on sale).
    function priceOf(bytes32 product) external view returns (uint256) {
        return _prices[product];
    }

    /// @notice The split and delivery window in force, and the next order's id.
    function terms() external view returns (uint16 memberBps, uint16 discovererBps, uint64 deliveryBlocks, uint256 nextOrderId) {
        State memory s = _state;
        return (s.memberBps, s.discovererBps, s.deliveryBlocks, s.nextOrderId);
    }

    /// @notice An order: buyer, block, deadline, status (0 none, 1 open, 2 fulfilled, 3 refunded), price.
    function orderOf(uint256 orderId)
        external
        view
        returns (address buyer, uint64 orderedAt, uint64 deadline, Status status, uint256 price)
    {
        Order memory o = _orders[orderId];
        return (o.buyer, o.orderedAt, o.deadline, o.status, o.price);
    }

    /// @notice The digest a member signs for its delivery of `orderId` (protocol: Delivered).
    function deliveredDigest(uint256 orderId, bytes32 wrapHash) public view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(
            MemberQuorum.domainSeparator(address(registry)),
            keccak256(abi.encode(DELIVERED_TYPEHASH, address(this), orderId, wrapHash))
        );
    }

    /// @dev The signers, ascending members at `orderBlock`, at least f+1 of them.
    function _checkSigners(uint256 orderId, uint256 orderBlock, bytes32[] calldata wrapHashes, bytes[] calldata signatures)
        private
        view
        returns (address[] memory signers)
    {
        (address[] memory members, uint256 divisor) = MemberQuorum.membersAt(registry, parameters, orderBlock);
        uint256 needed = MemberQuorum.oneHonest(members.length, divisor);
        if (signatures.length < needed) {
            revert DataMarketTooFewSigners(signatures.length, needed);
        }
        signers = new address[](signatures.length);
        uint256 j = 0;
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = ECDSA.recoverCalldata(deliveredDigest(orderId, wrapHashes[i]), signatures[i]);
            MemberQuorum.Fault fault;
            (fault, j) = MemberQuorum.step(members, j, previous, signer);
            if (fault == MemberQuorum.Fault.NotAscending) {
                revert DataMarketSignersNotAscending(i, signer);
            }
            if (fault == MemberQuorum.Fault.NotMember) {
                revert DataMarketNotMember(signer);
            }
            signers[i] = signer;
            previous = signer;
        }
    }

    function _setTerms(uint16 memberBps, uint16 discovererBps, uint64 deliveryBlocks) private {
        if (uint256(memberBps) + discovererBps > BPS) {
            revert DataMarketInvalidSplit(memberBps, discovererBps);
        }
        _state.memberBps = memberBps;
        _state.discovererBps = discovererBps;
        _state.deliveryBlocks = deliveryBlocks;
        emit TermsChanged(memberBps, discovererBps, deliveryBlocks);
    }
}
